package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM drains a real {@code ato serve} (the command line's main in a child JVM, as systemd or Kubernetes runs
 * it): health reports 503 at once, new runs are taken during the drain delay and refused after it, the run in flight
 * finishes with all its output, the process exits 0 and leaves no cgroup and no run directory behind. systemd's
 * notify socket hears READY=1 and STOPPING=1.
 */
class DrainTest {
    private static final Duration T = Duration.ofSeconds(60);

    /** A child server and what it printed. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final String cgroup;
        final Path runDir;
        final Path stateDir;
        volatile URI base;
        final Thread reader;

        Child(String tag, Map<String, String> env, Path notify) throws Exception {
            cgroup = "ato-drain-test-" + ProcessHandle.current().pid() + "-" + tag;
            runDir = Path.of("/run", cgroup);
            stateDir = Files.createTempDirectory("ato-drain-state");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                    "dev.ato.server.cli.Main", "serve", "--port", "0").redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("ATO_") || k.equals("NOTIFY_SOCKET"));
            pb.environment().putAll(Map.of("ATO_CGROUP", cgroup, "ATO_RUN_DIR", runDir.toString(),
                    "ATO_STATE_DIR", stateDir.toString(), "ATO_HEALTH_CACHE", "0s", "NOTIFY_SOCKET", notify.toString()));
            pb.environment().putAll(env);
            process = pb.start();
            reader = Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    Pattern serving = Pattern.compile("ato: serving on http://127\\.0\\.0\\.1:(\\d+)");
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                        Matcher m = serving.matcher(line);
                        if (m.find()) base = URI.create("http://127.0.0.1:" + m.group(1));
                    }
                } catch (Exception ignored) {
                    // the process ended
                }
            });
            Await.until("the child server listens (its output: " + lines + ")", T, () -> base != null || !process.isAlive());
            assertThat(base).as("child output: %s", lines).isNotNull();
        }

        /** Waits for the process to end; then everything it printed is in {@link #lines}. */
        boolean exited(Duration max) throws Exception {
            if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) return false;
            reader.join(10_000);
            return true;
        }

        int health() throws Exception {
            return Wire.HTTP.send(HttpRequest.newBuilder(base.resolve("/observe/health")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        HttpResponse<byte[]> v0(String code) throws Exception {
            return Wire.HTTP.send(HttpRequest.newBuilder(base.resolve("/api/v0/execute"))
                    .header("Content-Type", "application/msgpack")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Wire.Req.of("bash", code).bytes())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        }

        /** The cgroup directories of this server's name under every cgroup mount of the host. */
        List<Path> cgroupsLeft() throws Exception {
            List<Path> left = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                int dash = List.of(f).indexOf("-");
                if (dash > 0 && f[dash + 1].startsWith("cgroup")) {
                    Path p = Path.of(f[4]).resolve(cgroup);
                    if (Files.exists(p)) left.add(p);
                }
            }
            return left;
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
            TestDirs.deleteTree(stateDir);
        }
    }

    @Test
    void sigtermDrainsThenExitsZeroLeavingNothing() throws Exception {
        Path sock = Path.of("/run", "ato-drain-test-notify-" + ProcessHandle.current().pid());
        try (NotifySocket notify = new NotifySocket(sock);
                Child c = new Child("a", Map.of("ATO_DRAIN_DELAY", "3s", "ATO_DRAIN_GRACE", "40s"), sock)) {
            assertThat(notify.receive(10)).startsWith("READY=1\nSTATUS=serving on http://127.0.0.1:" + c.base.getPort());
            assertThat(c.health()).isEqualTo(200);
            try (Wire.Ws inFlight = new Wire.Ws(c.base); Wire.Ws late = new Wire.Ws(c.base)) {
                inFlight.send(Wire.Req.of("bash", "echo started; sleep 6; echo finished; exit 7"));
                Wire.Msg first = (Wire.Msg) inFlight.next(T);
                assertThat(first.text()).isEqualTo("started\n");

                long t0 = System.nanoTime();
                c.process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
                Await.until("health reports the drain", Duration.ofSeconds(2), () -> c.health() == 503);
                assertThat(notify.receive(5)).isEqualTo("STOPPING=1\nSTATUS=draining");
                // Within the drain delay a new run is still taken (a balancer may not have noticed yet).
                HttpResponse<byte[]> during = c.v0("echo taken");
                assertThat(during.statusCode()).isEqualTo(200);
                assertThat((System.nanoTime() - t0) / 1_000_000).as("still within the 3 s delay").isLessThan(3000);
                // After it, none: v0 gets 503, the WebSocket 1013.
                Await.until("v0 refused after the delay", Duration.ofSeconds(6), () -> c.v0("echo late").statusCode() == 503);
                late.send(Wire.Req.of("bash", "echo late"));
                Wire.Closed closed = late.closed(T);
                assertThat(closed.code()).isEqualTo(1013);
                assertThat(closed.reason()).isEqualTo("try again later: the server is shutting down");
                // The run in flight finishes with all its output.
                List<Wire.Msg> rest = inFlight.untilDone(T);
                assertThat(Wire.stdout(rest)).isEqualTo("finished\n");
                assertThat(Wire.done(rest)).containsEntry("status_type", "exited").containsEntry("status_value", 7L);
            }
            assertThat(c.exited(Duration.ofSeconds(30))).as("exits after the drain: %s", c.lines).isTrue();
            assertThat(c.process.exitValue()).as("exit status; output %s", c.lines).isZero();
            assertThat(c.lines).as("output").anyMatch(l -> l.contains("drained in") && l.contains("(0 runs killed)"));
            assertThat(c.cgroupsLeft()).isEmpty();
            assertThat(c.runDir).doesNotExist();
        }
    }

    @Test
    void runsStillGoingAfterTheGraceAreKilledAndCleanedUp() throws Exception {
        Path sock = Path.of("/run", "ato-drain-test-notify2-" + ProcessHandle.current().pid());
        try (NotifySocket notify = new NotifySocket(sock);
                Child c = new Child("b", Map.of("ATO_DRAIN_DELAY", "0s", "ATO_DRAIN_GRACE", "2s"), sock)) {
            try (Wire.Ws ws = new Wire.Ws(c.base)) {
                ws.send(Wire.Req.of("bash", "echo started; sleep 50"));
                assertThat(((Wire.Msg) ws.next(T)).text()).isEqualTo("started\n");
                long t0 = System.nanoTime();
                c.process.toHandle().destroy();
                assertThat(c.exited(Duration.ofSeconds(30))).as("output %s", c.lines).isTrue();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertThat(c.process.exitValue()).isZero();
                assertThat(ms).as("grace 2 s, then kill and clean up").isBetween(2000L, 15_000L);
                assertThat(ws.closed(T).code()).as("the connection ends").isNotZero();
            }
            assertThat(c.lines).as("output").anyMatch(l -> l.contains("killing the 1 runs still going"));
            assertThat(c.cgroupsLeft()).isEmpty();
            assertThat(c.runDir).doesNotExist();
        }
    }
}
