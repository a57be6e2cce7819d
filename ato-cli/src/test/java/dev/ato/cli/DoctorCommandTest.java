package dev.ato.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code ato doctor} on this host, through the command line (the checks themselves: DoctorTest in ato-server). */
@Tag("kernel")
class DoctorCommandTest {
    @Test
    void thisHostIsReadyThroughTheCommandLine() throws Exception {
        Path cfg = Files.createTempFile("ato-doctor", ".yaml");
        try {
            Files.writeString(cfg, "server:\n  port: 0\npaths:\n  run-dir: /run/ato-doctor-test\n  cgroup: ato-doctor-test\n");
            Cli.Outcome o = Cli.run("doctor", "--config", cfg.toString());
            assertThat(o.status()).as(o.out()).isZero();
            long warnings = o.out().lines().filter(l -> l.startsWith("warning")).count();
            assertThat(o.out()).contains("ok       userns:", "ok       overlay: mounted overlayfs inside a user namespace",
                    "ok       pidfd: pidfd_open works", "ok       sandbox: a full sandbox ran /bin/true")
                    .endsWith("ato doctor: ready to serve (0 blockers, " + warnings + " warnings)" + System.lineSeparator());
            assertThat(Path.of("/run/ato-doctor-test-doctor")).doesNotExist();
            Cli.Outcome bad = Cli.run("doctor", "--skip", "nope");
            assertThat(bad.status()).isEqualTo(125);
            assertThat(bad.err()).startsWith("ato doctor: no check named 'nope'");
        } finally {
            Files.deleteIfExists(cfg);
        }
    }
}
