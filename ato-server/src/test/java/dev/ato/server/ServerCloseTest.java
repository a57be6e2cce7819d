package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.Done;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.RunListener;
import dev.ato.server.Wire.Req;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What {@link AtoServer#close()} ends: the listener, every run (WebSocket and v0), and the server's own threads. */
@Tag("kernel")
class ServerCloseTest {
    private static long timerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("ato-server-timer") && t.isAlive()).count();
    }

    /** Processes of this host in the server's cgroup tree (in any controller), from /proc/PID/cgroup. */
    private static long processesIn(String cgroupName) throws IOException {
        long n = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    if (Files.readAllLines(p.resolve("cgroup")).stream().anyMatch(l -> l.contains(":/" + cgroupName + "/"))) n++;
                } catch (IOException e) {
                    // exited while listing
                }
            }
        }
        return n;
    }

    @Test
    void closeStopsListeningKillsEveryRunAndEndsItsThreads() throws Exception {
        long timersBefore = timerThreads();
        AtoServer server = TestServers.start(TestServers.config());
        int port = server.port();
        String cgroup = server.config().cgroupName();
        assertThat(timerThreads()).isEqualTo(timersBefore + 1);

        AtoClient client = AtoClient.connect(server.uri());
        CompletableFuture<Done> ws = client.execute(ExecuteRequest.builder("bash").code("sleep 60").build(), RunListener.IGNORE);
        byte[] body = Req.of("bash", "sleep 60").bytes();
        Socket v0 = new Socket(InetAddress.getLoopbackAddress(), port);
        OutputStream out = v0.getOutputStream();
        out.write(("POST /api/v0/execute HTTP/1.1\r\nHost: x\r\nContent-Type: application/msgpack\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        // A run holds its slot a moment before its processes exist: wait for both.
        Await.until("both runs started", Duration.ofSeconds(20), () -> server.runsInFlight() >= 2 && processesIn(cgroup) >= 2);

        long t0 = System.nanoTime();
        server.close();
        long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        // Helidon's stop waits for handlers; the v0 handler waits for its run, which close kills: far below 60 s.
        assertThat(closeMs).as("close returned in %d ms", closeMs).isLessThan(15_000);

        assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class);
        assertThat(processesIn(cgroup)).as("no process of any run is left").isZero();
        assertThat(ws).failsWithin(10, TimeUnit.SECONDS);
        Await.until("the server's timer thread ended", Duration.ofSeconds(5), () -> timerThreads() <= timersBefore);
        client.close();
        v0.close();
        System.out.println("close took " + closeMs + " ms; left by the sandbox: run dir " + server.config().runDir() + " "
                + list(server.config().runDir()) + ", cgroup dirs " + List.of("memory", "pids", "cpuacct", "freezer").stream()
                .filter(c -> Files.isDirectory(Path.of("/sys/fs/cgroup", c, cgroup))).toList());
    }

    private static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
