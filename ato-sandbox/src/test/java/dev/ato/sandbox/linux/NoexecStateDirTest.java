package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Debian's and Ubuntu's /run is mounted noexec: a state directory there must still work. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@Tag("kernel")
class NoexecStateDirTest {
    @Test
    void aStateDirectoryOnANoexecMountWorks() throws Exception {
        Path mnt = Path.of("/run/ato-test-noexec-mnt");
        Files.createDirectories(mnt);
        exec("mount", "-t", "tmpfs", "-o", "noexec,nosuid,nodev,size=64m", "tmpfs", mnt.toString());
        SandboxConfig config = SandboxConfig.builder().stateDir(mnt.resolve("state")).cgroupName("ato-test-noexec")
                .idBase(330000, 330000)
                .clientLimits(4L << 30, 1024).build();
        try {
            try (Sandbox sandbox = Sandbox.create(config)) {
                CompletedRun r = sandbox.run(RunSpec.builder().arguments(List.of("a b".getBytes(), "c".getBytes()))
                        .runnerScript("/ATO/yargs %% /ATO/arguments printf '<%s>' %%").build());
                assertThat(r.stderrText()).isEmpty();
                assertThat(r.stdoutText()).isEqualTo("<a b><c>");
            }
            Leftovers.assertNone(config);
        } finally {
            exec("umount", mnt.toString());
            Files.deleteIfExists(mnt);
        }
    }

    private static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
