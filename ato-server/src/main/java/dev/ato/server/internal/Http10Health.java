package dev.ato.server.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;

/**
 * {@code GET /observe/health HTTP/1.0}, as HAProxy's default {@code option httpchk} and other simple probes send it.
 * Helidon 4.5's HTTP/1 parser refuses every HTTP/1.0 request line with 505 and has no setting to accept one
 * ({@code Http1Prologue}), so this connection selector, placed before Helidon's own, claims connections whose first
 * request line ends in {@code HTTP/1.0}: it answers {@code GET}/{@code HEAD} of {@code /observe/health} with the
 * same checks and status as the HTTP/1.1 endpoint (200 when every check is UP, else 503; JSON body), and any other
 * HTTP/1.0 request with 505, then closes the connection (HTTP/1.0 without keep-alive).
 */
public final class Http10Health implements ServerConnectionSelector {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Longest request head read (the request line plus headers); past it the connection gets 400. */
    private static final int MAX_HEAD = 8192;
    private static final byte[] VERSION = " HTTP/1.0".getBytes(StandardCharsets.US_ASCII);

    private final List<HealthCheck> checks;

    /** Answers with these checks (the same ones {@code /observe/health} runs). */
    public Http10Health(List<HealthCheck> checks) {
        this.checks = List.copyOf(checks);
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData data) {
        int nl = data.indexOf((byte) '\n');
        if (nl < 0) return data.available() < MAX_HEAD ? Support.UNKNOWN : Support.UNSUPPORTED;
        int end = nl > 0 && data.get(nl - 1) == '\r' ? nl - 1 : nl;
        if (end < VERSION.length) return Support.UNSUPPORTED;
        for (int i = 0; i < VERSION.length; i++) {
            if (data.get(end - VERSION.length + i) != VERSION[i]) return Support.UNSUPPORTED;
        }
        return Support.SUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return new ServerConnection() {
            @Override
            @SuppressWarnings("removal") // Helidon 4.5's SPI still calls this one; its replacement is not yet public
            public void handle(Semaphore requestSemaphore) {
                ctx.dataWriter().writeNow(BufferData.create(answer(ctx.dataReader())));
            }

            @Override
            public Duration idleTime() {
                return Duration.ZERO;
            }

            @Override
            public void close(boolean interrupt) {
                // One request, answered within handle(); the handler closes the socket after it.
            }
        };
    }

    private byte[] answer(DataReader reader) {
        String requestLine;
        try {
            requestLine = readLine(reader, MAX_HEAD);
            int headBytes = requestLine.length();
            String line;
            do {
                line = readLine(reader, MAX_HEAD - headBytes);
                headBytes += line.length() + 2;
            } while (!line.isEmpty());
        } catch (RuntimeException e) {
            return response(400, "Bad Request", "text/plain", "bad HTTP/1.0 request head\n", true);
        }
        String[] parts = requestLine.split(" ");
        String method = parts[0];
        String path = parts.length == 3 ? parts[1].replaceFirst("\\?.*", "") : "";
        if (!(method.equals("GET") || method.equals("HEAD"))
                || !(path.equals("/observe/health") || path.equals("/observe/health/"))) {
            return response(505, "HTTP Version Not Supported", "text/plain",
                    "HTTP/1.0 is answered at GET /observe/health only; use HTTP/1.1\n", true);
        }
        boolean up = true;
        List<Map<String, Object>> results = new ArrayList<>();
        for (HealthCheck c : checks) {
            HealthCheckResponse r;
            try {
                r = c.call();
            } catch (RuntimeException e) {
                r = HealthCheckResponse.builder().status(HealthCheckResponse.Status.ERROR)
                        .detail("error", String.valueOf(e.getMessage())).build();
            }
            up &= r.status() == HealthCheckResponse.Status.UP;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.name());
            m.put("status", r.status().name());
            if (!r.details().isEmpty()) m.put("data", r.details());
            results.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", results);
        String json;
        try {
            json = JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            json = "{\"status\":\"" + (up ? "UP" : "DOWN") + "\"}";
        }
        return response(up ? 200 : 503, up ? "OK" : "Service Unavailable", "application/json", json,
                method.equals("GET"));
    }

    /** One line without its CRLF (or LF), at most {@code max} bytes. */
    private static String readLine(DataReader reader, int max) {
        int n = reader.findNewLine(Math.max(0, max));
        if (n >= max) throw new IllegalArgumentException("line too long");
        String s = reader.readAsciiString(n);
        reader.skip(2);
        return s;
    }

    private static byte[] response(int code, String reason, String type, String body, boolean withBody) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.0 " + code + " " + reason + "\r\nContent-Type: " + type + "\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\nCache-Control: no-cache\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        if (!withBody) return h;
        byte[] all = java.util.Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, all, h.length, b.length);
        return all;
    }
}
