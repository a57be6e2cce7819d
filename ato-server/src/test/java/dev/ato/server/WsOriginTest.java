package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * WebSocket upgrades and their {@code Origin}: any origin by default (as ATO), or only the configured ones
 * ({@code server.allowed-origins}), sent by the JDK's own WebSocket client as a browser on another site would.
 */
class WsOriginTest {
    private static String echo(Wire.Ws ws) throws InterruptedException {
        List<Wire.Msg> msgs = ws.send(Wire.Req.of("bash", "echo hi")).untilDone(Duration.ofSeconds(30));
        StringBuilder out = new StringBuilder();
        for (Wire.Msg m : msgs) if (m.kind().equals("Stdout")) out.append(m.text());
        return out.toString();
    }

    @Test
    @Tag("kernel")
    void anyOriginByDefault() throws Exception {
        try (AtoServer s = TestServers.start(TestServers.config())) {
            // A page on another site, the same host under another port, and a client sending no Origin at all.
            for (Map<String, String> h : List.of(Map.of("Origin", "https://elsewhere.example"),
                    Map.of("Origin", "http://127.0.0.1:1"), Map.<String, String>of())) {
                try (Wire.Ws ws = new Wire.Ws(s.uri(), h)) {
                    assertThat(echo(ws)).as("Origin %s", h).isEqualTo("hi\n");
                }
            }
        }
    }

    @Test
    @Tag("kernel")
    void onlyTheConfiguredOriginsWhenRestricted() throws Exception {
        try (AtoServer s = TestServers.start(TestServers.config()
                .allowedOrigins(List.of("https://ato.example.org", "http://localhost:8080")))) {
            try (Wire.Ws ws = new Wire.Ws(s.uri(), Map.of("Origin", "https://ato.example.org"))) {
                assertThat(echo(ws)).isEqualTo("hi\n");
            }
            try (Wire.Ws ws = new Wire.Ws(s.uri(), Map.of("Origin", "http://localhost:8080"))) {
                assertThat(echo(ws)).isEqualTo("hi\n");
            }
            assertThatThrownBy(() -> new Wire.Ws(s.uri(), Map.of("Origin", "https://evil.example")))
                    .isInstanceOf(CompletionException.class)
                    .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                            e -> assertThat(e.getResponse().statusCode()).isEqualTo(403));
        }
    }

    @Test
    void originsAreCheckedWhenConfigured() {
        assertThat(ServerConfig.load(java.util.Optional.empty(), Map.of("ATO_ALLOWED_ORIGINS", "*")).allowedOrigins())
                .isEmpty();
        assertThat(ServerConfig.load(java.util.Optional.empty(),
                Map.of("ATO_ALLOWED_ORIGINS", "https://a.example, http://b.example:81")).allowedOrigins())
                .containsExactly("https://a.example", "http://b.example:81");
        assertThatThrownBy(() -> ServerConfig.load(java.util.Optional.empty(),
                Map.of("ATO_ALLOWED_ORIGINS", "https://a.example/path")))
                .hasMessageContaining("environment ATO_ALLOWED_ORIGINS: bad value")
                .hasMessageContaining("expected scheme://host[:port]");
    }
}
