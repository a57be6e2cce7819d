package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM drains a real {@code ato serve} (the command line's main in a child JVM, as systemd or Kubernetes runs
 * it): health reports 503 at once, new runs are taken during the drain delay and refused after it, the run in flight
 * finishes with all its output, the process exits 0 and leaves no cgroup and no run directory behind. systemd's
 * notify socket hears READY=1 and STOPPING=1.
 */
@Tag("kernel")
class DrainTest {
    private static final Duration T = Duration.ofSeconds(60);

    @Test
    void sigtermDrainsThenExitsZeroLeavingNothing() throws Exception {
        Path sock = Path.of("/run", "ato-drain-test-notify-" + ProcessHandle.current().pid());
        try (NotifySocket notify = new NotifySocket(sock);
                ChildServer c = new ChildServer("drain-a", ChildServer.javaMain(),
                        Map.of("ATO_DRAIN_DELAY", "3s", "ATO_DRAIN_GRACE", "40s", "NOTIFY_SOCKET", sock.toString()))) {
            assertThat(notify.receive(10)).startsWith("READY=1\nSTATUS=serving on http://127.0.0.1:" + c.base().getPort());
            assertThat(c.health()).isEqualTo(200);
            try (Wire.Ws inFlight = new Wire.Ws(c.base()); Wire.Ws late = new Wire.Ws(c.base())) {
                inFlight.send(Wire.Req.of("bash", "echo started; sleep 6; echo finished; exit 7"));
                Wire.Msg first = (Wire.Msg) inFlight.next(T);
                assertThat(first.text()).isEqualTo("started\n");

                long t0 = System.nanoTime();
                c.terminate();
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
                ChildServer c = new ChildServer("drain-b", ChildServer.javaMain(),
                        Map.of("ATO_DRAIN_DELAY", "0s", "ATO_DRAIN_GRACE", "2s", "NOTIFY_SOCKET", sock.toString()))) {
            try (Wire.Ws ws = new Wire.Ws(c.base())) {
                ws.send(Wire.Req.of("bash", "echo started; sleep 50"));
                assertThat(((Wire.Msg) ws.next(T)).text()).isEqualTo("started\n");
                long t0 = System.nanoTime();
                c.terminate();
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
