package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A JVM killed with SIGKILL mid-run leaves no running process, and the next sandbox sweeps the rest. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@Tag("kernel")
class JvmDeathTest {
    static final SandboxConfig CONFIG = KillMeMain.config("ato-test-jvm-death", 310000);

    /** A child JVM running {@link KillMeMain}, returned once its run's program runs. */
    static Process startKillMe() throws Exception {
        // Surefire may put the module under test on the module path: hand the child everything as a class path.
        String cp = String.join(java.io.File.pathSeparator, System.getProperty("jdk.module.path", ""),
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process jvm = new ProcessBuilder(java, "-cp", cp, KillMeMain.class.getName()).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream()));
        String line;
        while ((line = r.readLine()) != null && !line.equals("started")) lines.add(line);
        assertThat(line).as("child JVM output: " + lines).isEqualTo("started");
        return jvm;
    }

    static void kill(Process jvm) throws Exception {
        jvm.destroyForcibly(); // SIGKILL
        assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aJvmKilledMidRunLeavesNoProcessAndTheNextStartSweepsItsCgroups() throws Exception {
        Process jvm = startKillMe();
        assertThat(Leftovers.processesOfUid(CONFIG.uidBase())).isNotEmpty();
        assertThat(Leftovers.runCgroups(CONFIG.cgroupName())).isNotEmpty();
        kill(jvm);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Leftovers.processesOfUid(CONFIG.uidBase()).isEmpty() && System.nanoTime() < until) Thread.sleep(50);
        assertThat(Leftovers.processesOfUid(CONFIG.uidBase())).isEmpty();

        Sandbox.create(CONFIG).close(); // sweeps the dead JVM's cgroups
        Leftovers.assertNone(CONFIG);
    }

    @Test
    void anotherProcessSweepsADeadJvmsSubtreeWhileAThirdProcesssLiveRunsStayUntouched() throws Exception {
        Process victim = startKillMe();
        Process bystander = startKillMe();
        List<Path> trees = Leftovers.nameCgroups(CONFIG.cgroupName());
        assertThat(trees).isNotEmpty();
        try {
            kill(victim);
            // This JVM is the third process; before per-process subtrees its sweep was skipped while the bystander lived.
            Sandbox.create(CONFIG).close();
            for (Path tree : trees) {
                assertThat(tree.resolve("p" + victim.pid())).as("the dead JVM's subtree").doesNotExist();
                Path live = tree.resolve("p" + bystander.pid());
                assertThat(runDirectories(live)).as("the live JVM's run in " + live).hasSize(1);
                assertThat(Files.readString(runDirectories(live).get(0).resolve("cgroup.procs")).strip()).as("its processes").isNotEmpty();
            }
            assertThat(bystander.isAlive()).isTrue();
        } finally {
            kill(bystander);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Leftovers.processesOfUid(CONFIG.uidBase()).isEmpty() && System.nanoTime() < until) Thread.sleep(50);
        Sandbox.create(CONFIG).close();
        Leftovers.assertNone(CONFIG);
    }

    /** {@code <subtree>/<client>/<run>} directories. */
    private static List<Path> runDirectories(Path subtree) throws Exception {
        try (Stream<Path> s = Files.walk(subtree, 2)) {
            return s.filter(Files::isDirectory).filter(p -> subtree.relativize(p).getNameCount() == 2).toList();
        }
    }
}
