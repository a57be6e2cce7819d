package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.server.Wire.Closed;
import dev.ato.server.Wire.Req;
import dev.ato.server.Wire.Ws;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Caps, queue and refusals, with the real server; and that slow or idle clients do not hold others up. */
@Tag("kernel")
class FairnessTest {
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void runsOverTheCapWaitThenRunAndRefusalsAreCleanWhenTheQueueIsFull() throws Exception {
        // 2 at once, 2 waiting, a generous wait: the 5th and 6th requests are refused at once.
        try (AtoServer s = TestServers.start(TestServers.config().maxRuns(2).maxRunsPerClient(2).queueLength(2)
                .queueWait(Duration.ofSeconds(20)))) {
            List<Ws> clients = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Ws ws = new Ws(s.uri());
                clients.add(ws);
                ws.send(Req.of("bash", "sleep 1; echo held " + i));
            }
            waitFor(() -> s.runsInFlight() == 2 && s.runsQueued() == 2);
            Ws refused = new Ws(s.uri());
            refused.send(Req.of("bash", "echo never"));
            Closed c = refused.closed(T);
            assertThat(c.code()).isEqualTo(1013);
            assertThat(c.reason()).startsWith("try again later");
            HttpResponse<byte[]> v0 = Wire.HTTP.send(HttpRequest.newBuilder(s.uri().resolve("/api/v0/execute"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Req.of("bash", "echo never").bytes())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(v0.statusCode()).isEqualTo(429);
            assertThat(v0.headers().firstValue("retry-after")).isPresent();
            // Every accepted run, queued ones included, completes with its exact output.
            for (int i = 0; i < 4; i++) {
                assertThat(Wire.stdout(clients.get(i).untilDone(T))).isEqualTo("held " + i + "\n");
                clients.get(i).close();
            }
            // And the server recovers: new work runs.
            try (Ws again = new Ws(s.uri())) {
                assertThat(Wire.stdout(again.send(Req.of("bash", "echo back")).untilDone(T))).isEqualTo("back\n");
            }
            assertThat(s.metricsText()).contains("ato_runs_total{outcome=\"refused\"} 2");
        }
    }

    @Test
    void runThatWaitsPastTheLimitIsRefusedAndNeverStarts() throws Exception {
        try (AtoServer s = TestServers.start(TestServers.config().maxRuns(1).queueLength(4)
                .queueWait(Duration.ofMillis(500)))) {
            try (Ws holder = new Ws(s.uri()); Ws waiter = new Ws(s.uri())) {
                holder.send(Req.of("bash", "sleep 2; echo done"));
                waitFor(() -> s.runsInFlight() == 1);
                long t0 = System.nanoTime();
                waiter.send(Req.of("bash", "echo should-not-run > /dev/stderr"));
                Closed c = waiter.closed(T);
                assertThat(c.code()).isEqualTo(1013);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(400), Duration.ofSeconds(2));
                assertThat(Wire.stdout(holder.untilDone(T))).isEqualTo("done\n");
            }
        }
    }

    @Test
    void killWhileQueuedEndsTheRunWithoutStartingIt() throws Exception {
        try (AtoServer s = TestServers.start(TestServers.config().maxRuns(1).queueLength(4)
                .queueWait(Duration.ofSeconds(20)))) {
            try (Ws holder = new Ws(s.uri()); Ws waiter = new Ws(s.uri())) {
                holder.send(Req.of("bash", "sleep 1; echo held"));
                waitFor(() -> s.runsInFlight() == 1);
                waiter.send(Req.of("bash", "echo must-not-run"));
                waitFor(() -> s.runsQueued() == 1);
                waiter.kill();
                var msgs = waiter.untilDone(T);
                assertThat(Wire.stdout(msgs)).isEmpty();
                assertThat(Wire.done(msgs)).containsEntry("status_type", "killed");
                assertThat(s.runsQueued()).isZero();
                assertThat(Wire.stdout(holder.untilDone(T))).isEqualTo("held\n");
                // The waiter's connection serves its next run normally.
                assertThat(Wire.stdout(waiter.send(Req.of("bash", "echo next")).untilDone(T))).isEqualTo("next\n");
            }
        }
    }

    @Test
    void oneClientAtItsCapDoesNotBlockAnother() throws Exception {
        // Client A (direct) may run 1 at once; B comes through a trusted proxy with its own address.
        try (AtoServer s = TestServers.start(TestServers.config().maxRuns(4).maxRunsPerClient(1).queueLength(8)
                .queueWait(Duration.ofSeconds(20)).trustedProxies(List.of("127.0.0.1")))) {
            try (Ws a1 = new Ws(s.uri()); Ws a2 = new Ws(s.uri());
                    Ws b = new Ws(s.uri(), Map.of("X-Forwarded-For", "203.0.113.7"))) {
                a1.send(Req.of("bash", "sleep 2; echo a1"));
                waitFor(() -> s.runsInFlight() == 1);
                a2.send(Req.of("bash", "echo a2"));
                waitFor(() -> s.runsQueued() == 1);
                long t0 = System.nanoTime();
                assertThat(Wire.stdout(b.send(Req.of("bash", "echo b")).untilDone(T))).isEqualTo("b\n");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1500));
                assertThat(Wire.stdout(a1.untilDone(T))).isEqualTo("a1\n");
                assertThat(Wire.stdout(a2.untilDone(T))).isEqualTo("a2\n");
            }
        }
    }

    @Test
    void slowAndIdleConnectionsDoNotHoldOthersUp() throws Exception {
        try (AtoServer s = TestServers.start(TestServers.config())) {
            List<Ws> idle = new ArrayList<>();
            for (int i = 0; i < 20; i++) idle.add(new Ws(s.uri()));
            // A client that reads nothing while its run writes the whole output limit.
            java.net.http.WebSocket stalled = Wire.HTTP.newWebSocketBuilder().buildAsync(
                    java.net.URI.create("ws://127.0.0.1:" + s.port() + "/api/v1/ws/execute"),
                    new java.net.http.WebSocket.Listener() {
                        @Override
                        public void onOpen(java.net.http.WebSocket webSocket) {
                            // never request(): nothing is read, TCP fills up
                        }
                    }).join();
            stalled.sendBinary(java.nio.ByteBuffer.wrap(Req.of("bash", "head -c 131072 /dev/zero; sleep 1").bytes()), true).join();
            try (Ws fast = new Ws(s.uri())) {
                for (int i = 0; i < 5; i++) {
                    long t0 = System.nanoTime();
                    assertThat(Wire.stdout(fast.send(Req.of("bash", "echo quick")).untilDone(T))).isEqualTo("quick\n");
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
                }
            }
            stalled.abort();
            for (Ws w : idle) w.close();
        }
    }

    private static void waitFor(Await.Condition cond) throws Exception {
        Await.until("condition reached in 10 s", Duration.ofSeconds(10), cond);
    }
}
