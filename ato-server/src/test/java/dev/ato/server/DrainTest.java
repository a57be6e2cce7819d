package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.server.Wire.Req;
import dev.ato.server.Wire.Ws;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A stop drains: what it waits for are runs still being delivered, never clients that are already gone. */
@Tag("kernel")
class DrainTest {

    /**
     * A client that goes away during a run that has printed nothing: the run's Done then cannot be sent, and that
     * ends its delivery (it once left the connection's sender waiting for ever, holding every stop for its grace).
     */
    @Test
    void aClientGoneBeforeItsDoneIsNotWaitedForAtTheStop() throws Exception {
        AtoServer server = TestServers.start(TestServers.config()
                .drainDelay(Duration.ofMillis(100)).drainGrace(Duration.ofSeconds(20)));
        try {
            for (int i = 0; i < 3; i++) {
                Ws ws = new Ws(server.uri());
                ws.send(Req.of("bash", "sleep 1"));
                Thread.sleep(300);
                ws.abort();
            }
            Thread.sleep(3000); // each run is cancelled and ends; its Done finds no one to send it to
            AtoServer.DrainReport report = server.drainAndClose();
            server = null;
            assertThat(report.runsAtRefusal()).as("deliveries still counted at the stop").isZero();
            assertThat(report.runsKilled()).isZero();
            assertThat(report.took()).isLessThan(Duration.ofSeconds(10));
        } finally {
            if (server != null) server.close();
        }
    }
}
