package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/1.0 health checks over a raw socket, byte for byte as HAProxy's {@code option httpchk GET /observe/health}
 * sends them (Helidon alone answered every HTTP/1.0 request 505).
 */
@Tag("kernel")
class Http10HealthTest {
    @RegisterExtension
    static final TestServers.PerClass SERVER = TestServers.perClass();

    /** Sends the raw request and reads until the server closes the connection. */
    static String exchange(URI base, String request) throws IOException {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void haproxysCheckGets200AndTheChecksThenTheConnectionCloses() throws IOException {
        String r = exchange(SERVER.get().uri(), "GET /observe/health HTTP/1.0\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.0 200 OK\r\n").contains("\r\nConnection: close\r\n")
                .contains("\"status\":\"UP\"").contains("\"name\":\"sandbox\"").contains("\"name\":\"drain\"");
        String body = r.substring(r.indexOf("\r\n\r\n") + 4);
        assertThat(r).contains("Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n");
    }

    @Test
    void headersAndHeadAreUnderstood() throws IOException {
        String r = exchange(SERVER.get().uri(),
                "HEAD /observe/health HTTP/1.0\r\nHost: node1\r\nUser-Agent: check\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.0 200 OK\r\n").endsWith("\r\n\r\n");
    }

    @Test
    void otherHttp10RequestsStill505WithAReason() throws IOException {
        String r = exchange(SERVER.get().uri(), "GET /api/v0/metadata HTTP/1.0\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.0 505 HTTP Version Not Supported\r\n")
                .endsWith("HTTP/1.0 is answered at GET /observe/health only; use HTTP/1.1\n");
    }

    @Test
    void http11IsUntouched() throws Exception {
        HttpResponse<String> r = Wire.HTTP.send(HttpRequest.newBuilder(SERVER.get().uri().resolve("/observe/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"status\":\"UP\"");
        try (Socket sock = new Socket(SERVER.get().uri().getHost(), SERVER.get().uri().getPort())) {
            sock.setSoTimeout(20_000);
            sock.getOutputStream().write("GET /observe/health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] head = sock.getInputStream().readNBytes(17);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK\r\n");
        }
    }
}
