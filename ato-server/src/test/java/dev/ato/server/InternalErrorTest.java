package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import dev.ato.server.Wire.Closed;
import dev.ato.server.Wire.Req;
import dev.ato.server.Wire.Ws;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A sandbox that fails: the client is told with 1011 (v1) or 500 (v0), and the server goes on. */
class InternalErrorTest {
    @Test
    void sandboxFailureClosesWith1011AndAnswersV0With500() throws Exception {
        Sandbox broken = mock(Sandbox.class);
        when(broken.start(any(), any())).thenThrow(new SandboxException("mount(overlay, /run/x): EINVAL"));
        when(broken.config()).thenReturn(SandboxConfig.defaults());
        try (AtoServer s = AtoServer.builder(TestServers.config().build()).sandbox(broken).start()) {
            try (Ws ws = new Ws(s.uri())) {
                ws.send(Req.of("bash", "echo hi"));
                assertThat(ws.closed(Duration.ofSeconds(10))).isEqualTo(new Closed(1011, "internal error"));
            }
            HttpResponse<String> v0 = Wire.HTTP.send(HttpRequest.newBuilder(s.uri().resolve("/api/v0/execute"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Req.of("bash", "echo hi").bytes())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(v0.statusCode()).isEqualTo(500);
            assertThat(s.metricsText()).contains("ato_runs_total{outcome=\"error\"} 2").contains("ato_runs_in_flight 0");
            HttpResponse<String> health = Wire.HTTP.send(HttpRequest.newBuilder(s.uri().resolve("/observe/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(503);
        }
    }
}
