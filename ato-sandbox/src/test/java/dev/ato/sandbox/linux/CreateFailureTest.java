package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Sandbox.create fails with one message that says what is wrong. */
@Tag("kernel")
class CreateFailureTest {
    @Test
    void aStateDirectoryThatIsAFileIsNamedInTheError() throws Exception {
        Path file = Files.createTempFile("ato-not-a-dir", "");
        try {
            SandboxConfig config = KillMeMain.config("ato-test-create-failure", 340000).toBuilder().stateDir(file)
                    .build();
            assertThatThrownBy(() -> Sandbox.create(config))
                    .isInstanceOf(SandboxException.class).hasMessageContaining("state directory").hasMessageContaining(file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void aSymlinkedStateDirectoryIsRefused() throws Exception {
        Path target = Files.createTempDirectory("ato-target");
        Path link = target.resolveSibling(target.getFileName() + "-link");
        Files.createSymbolicLink(link, target);
        try {
            SandboxConfig config = KillMeMain.config("ato-test-create-failure", 340000).toBuilder().stateDir(link)
                    .build();
            assertThatThrownBy(() -> Sandbox.create(config)).isInstanceOf(SandboxException.class)
                    .hasMessageContaining("symlink");
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(target);
        }
    }
}
