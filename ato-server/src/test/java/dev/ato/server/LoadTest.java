package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.server.Wire.Req;
import dev.ato.server.Wire.Ws;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Many clients at once: every run's output exact, none lost. */
@Tag("kernel")
class LoadTest {
    @Test
    void fiftyClientsTimesTenRunsEachGetExactlyTheirOutput() throws Exception {
        try (AtoServer s = TestServers.start(TestServers.config().queueLength(64).queueWait(Duration.ofSeconds(60)))) {
            int clients = 50;
            int runs = 10;
            AtomicInteger ok = new AtomicInteger();
            List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                threads.add(Thread.ofVirtual().start(() -> {
                    try (Ws ws = new Ws(s.uri())) {
                        for (int r = 0; r < runs; r++) {
                            String expect = "client " + client + " run " + r + "\n";
                            var msgs = ws.send(Req.of("bash", "printf 'client %s run %s\\n' " + client + " " + r
                                    + "; printf e >&2").remove("timeout")).untilDone(Duration.ofSeconds(120));
                            assertThat(Wire.stdout(msgs)).isEqualTo(expect);
                            assertThat(Wire.stderr(msgs)).isEqualTo("e");
                            assertThat(Wire.done(msgs)).containsEntry("status_value", 0L);
                            ok.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            assertThat(errors).isEmpty();
            assertThat(ok.get()).isEqualTo(clients * runs);
            assertThat(s.runsInFlight()).isZero();
            assertThat(s.runsQueued()).isZero();
        }
    }
}
