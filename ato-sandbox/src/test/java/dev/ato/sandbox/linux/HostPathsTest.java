package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.SandboxConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A language's host paths (the catalog's {@code host_paths}, e.g. GHC's {@code /var/lib/ghc}): bound read-only
 * into the host image of that run only. {@code /var/lib/dpkg} stands in for them: every Debian host has it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@Tag("kernel")
class HostPathsTest {
    static final SandboxConfig CONFIG = KillMeMain.config("ato-test-host-paths", 360000);
    static final String DPKG = "/var/lib/dpkg";
    @RegisterExtension
    static final SandboxFixture FIXTURE = new SandboxFixture(CONFIG);

    static CompletedRun run(Image image, String script) {
        return FIXTURE.sandbox.run(RunSpec.builder().image(image).runnerScript(script).build());
    }

    @Test
    void aHostPathIsSeenReadOnlyInItsRunAndInNoOther() throws Exception {
        assertThat(Files.isRegularFile(Path.of(DPKG, "status"))).isTrue();
        String probe = "[ -s " + DPKG + "/status ] && echo seen || echo unseen;"
                + " echo x > " + DPKG + "/ato-probe 2>/dev/null && echo wrote || echo refused;"
                + " stat -c '%u %a' /var/lib; echo y > /var/lib/mine && echo lib-writable";
        CompletedRun with = run(Image.host().withHostPaths(List.of(DPKG, "/var/lib/ato-no-such-dir")), probe);
        assertThat(with.stdoutText()).isEqualTo("seen\nrefused\n0 755\nlib-writable\n");
        assertThat(Files.exists(Path.of(DPKG, "ato-probe"))).isFalse();

        CompletedRun without = run(Image.host(), "[ -e " + DPKG + " ] && echo seen || echo unseen");
        assertThat(without.stdoutText()).isEqualTo("unseen\n");
    }

    @Test
    void aHostPathInsideAnotherIsBoundOnTheReadOnlyOne() {
        CompletedRun r = run(Image.host().withHostPaths(List.of(DPKG, DPKG + "/info")),
                "[ -d " + DPKG + "/info ] && echo nested");
        assertThat(r.stdoutText()).isEqualTo("nested\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"var/lib/x", "/", "/var/../etc", "/var/./lib", "/var//lib", "/var/lib/", "/usr/share/x",
            "/etc", "/ATO/x", "/proc/self", "/tmp/x", "/lib64/x", "/sys/kernel"})
    void aPathThatIsNotAbsoluteNormalAndOutsideTheSystemDirectoriesIsRefused(String path) {
        assertThatThrownBy(() -> Image.host().withHostPaths(List.of(path))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(path);
    }

    @Test
    void onlyTheHostImageTakesHostPaths() {
        Image layered = Image.ofLayers(List.of(Path.of("/nonexistent")), Map.of(), "/");
        assertThatThrownBy(() -> layered.withHostPaths(List.of(DPKG))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only the host image");
        assertThat(Image.host().withHostPaths(List.of(DPKG)).hostPaths()).containsExactly(DPKG);
    }
}
