package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A JVM killed with SIGKILL mid-run leaves no running process, and the next sandbox sweeps the rest. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JvmDeathTest {
    static final SandboxConfig CONFIG = KillMeMain.config("ato-test-jvm-death", 310000);

    @Test
    void aJvmKilledMidRunLeavesNoProcessAndTheNextStartSweepsItsCgroups() throws Exception {
        // Surefire may put the module under test on the module path: hand the child everything as a class path.
        String cp = String.join(java.io.File.pathSeparator, System.getProperty("jdk.module.path", ""),
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process jvm = new ProcessBuilder(java, "-cp", cp, KillMeMain.class.getName())
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null && !line.equals("started")) lines.add(line);
            assertThat(line).as("child JVM output: " + lines).isEqualTo("started");
            assertThat(Leftovers.processesOfUid(CONFIG.uidBase())).isNotEmpty();
            assertThat(Leftovers.runCgroups(CONFIG.cgroupName())).isNotEmpty();
            jvm.destroyForcibly(); // SIGKILL
            assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Leftovers.processesOfUid(CONFIG.uidBase()).isEmpty() && System.nanoTime() < until) Thread.sleep(50);
        assertThat(Leftovers.processesOfUid(CONFIG.uidBase())).isEmpty();

        Sandbox.create(CONFIG).close(); // sweeps the dead JVM's cgroups
        Leftovers.assertNone(CONFIG);
    }
}
