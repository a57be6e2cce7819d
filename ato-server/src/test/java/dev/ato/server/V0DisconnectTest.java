package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.server.Wire.Req;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code POST /api/v0/execute}: a client that hangs up mid-run has its run killed; one that waits is served. */
@Tag("kernel")
class V0DisconnectTest {
    @RegisterExtension
    static final TestServers.PerClass SERVER = TestServers.perClass();

    private static Socket post(byte[] body) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), SERVER.get().port());
        OutputStream out = s.getOutputStream();
        out.write(("POST /api/v0/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/msgpack\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }

    private static long count(String outcome) {
        String line = SERVER.get().metricsText().lines().filter(l -> l.startsWith("ato_runs_total{outcome=\"" + outcome + "\"}"))
                .findFirst().orElseThrow();
        return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Test
    void clientThatHangsUpHasItsRunKilledWithinASecond() throws Exception {
        long cancelledBefore = count("cancelled");
        long timedOutBefore = count("timed_out");
        Socket s = post(Req.of("bash", "sleep 30").put("timeout", 30L).bytes());
        Await.until("the run started", Duration.ofSeconds(20), () -> SERVER.get().runsInFlight() == 1);
        long closedAt = System.nanoTime();
        s.close();
        // The watch polls every 200 ms; 5 s leaves room for a loaded machine while staying far below the 30 s run.
        Await.until("the run was killed after the client left", Duration.ofSeconds(5), () -> SERVER.get().runsInFlight() == 0);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closedAt);
        Await.until("the run was counted", Duration.ofSeconds(5), () -> count("cancelled") == cancelledBefore + 1);
        assertThat(count("timed_out")).isEqualTo(timedOutBefore);
        System.out.println("v0 run killed " + ms + " ms after its client closed the connection");
    }

    @Test
    @SuppressWarnings("unchecked")
    void clientThatWaitsThroughManyPollsGetsItsResult() throws Exception {
        try (Socket s = post(Req.of("bash", "sleep 1; echo still here").bytes())) {
            s.setSoTimeout(30_000);
            InputStream in = s.getInputStream();
            byte[] all = in.readNBytes(Math.toIntExact(responseLength(in)));
            Map<String, Object> m = (Map<String, Object>) Wire.unpack(all);
            assertThat(new String((byte[]) m.get("stdout"), StandardCharsets.UTF_8)).isEqualTo("still here\n");
            assertThat(m).containsEntry("status_type", "exited").containsEntry("status_value", 0L);
        }
    }

    /** Reads the status line and headers; returns Content-Length (the response must be 200). */
    private static long responseLength(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertThat(c).as("response head: " + head).isNotNegative();
            head.append((char) c);
            assertThat(head.length()).isLessThan(8192);
        }
        assertThat(head.toString()).startsWith("HTTP/1.1 200");
        return head.toString().lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                .map(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElseThrow();
    }
}
