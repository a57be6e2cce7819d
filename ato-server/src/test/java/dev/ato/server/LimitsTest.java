package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.Limits;
import dev.ato.server.Wire.Msg;
import dev.ato.server.Wire.Req;
import dev.ato.server.Wire.Ws;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The configured limits reach the runs, and what they do shows in Done and in the metrics. */
@Tag("kernel")
class LimitsTest {
    @Test
    void runOverTheConfiguredMemoryIsKilledAndCountedAsAnOomKill() throws Exception {
        Limits small = Limits.defaults().withMemoryBytes(64L << 20).withOutputBytes(1000);
        try (AtoServer s = TestServers.start(TestServers.config().limits(small));
                Ws ws = Ws.withExtensions(s.uri())) {
            List<Msg> msgs = ws.send(Req.of("python", "b = bytearray(300 * 1024 * 1024)\nprint('survived')"))
                    .untilDone(Duration.ofSeconds(30));
            assertThat(Wire.stdout(msgs)).doesNotContain("survived");
            assertThat(Wire.done(msgs)).containsEntry("oom_killed", true).containsEntry("status_type", "killed");
            List<Msg> out = ws.send(Req.of("bash", "head -c 5000 /dev/zero | tr '\\0' y")).untilDone(Duration.ofSeconds(30));
            assertThat(Wire.stdout(out).length()).isBetween(1001, 5000); // the read that passed 1000 is sent whole
            assertThat(Wire.stdout(out)).matches("y+");
            assertThat(Wire.done(out)).containsEntry("stdout_truncated", true);
            assertThat(s.metricsText()).contains("ato_oom_kills_total 1")
                    .contains("ato_output_truncations_total{stream=\"stdout\"} 1");
        }
    }
}
