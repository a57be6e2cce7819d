package dev.ato.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SandboxTest
@Tag("kernel")
class SandboxExtensionTest {

    @Test
    void injectsAWorkingSandbox(Sandbox sandbox) {
        CompletedRun run = sandbox.run(RunSpec.builder().runnerScript("echo hello from $(cat /ATO/code)").code("the box").build());
        assertThat(run.result().succeeded()).isTrue();
        assertThat(run.stdoutText()).isEqualTo("hello from the box\n");
    }

    @Test
    void sameSandboxForEveryTestOfTheClass(Sandbox a, Sandbox b) {
        assertThat(a).isSameAs(b);
    }

    @Test
    void staticBashImageSeesNothingOfTheHost(Sandbox sandbox, @TempDir Path layer) {
        Image image = TestImages.staticBash(layer);
        CompletedRun run = sandbox.run(RunSpec.builder().image(image)
                .command("/bin/bash", "-c", "echo $BASH_VERSION >/dev/null; [ -e /usr/bin/python3 ] && echo host || echo isolated")
                .build());
        assertThat(run.stdoutText()).isEqualTo("isolated\n");
    }
}
