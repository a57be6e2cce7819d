package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Limits;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A closed sandbox leaves nothing of itself on the host: no state directory, no cgroup directory. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CloseCleanupTest {
    private static final SandboxConfig CONFIG = new SandboxConfig(Path.of("/run/ato-test-close"), "ato-test-close",
            350000, 350000, 65536, Limits.defaults(), 4L << 30, 1024);

    private static void runsHello(Sandbox sandbox) {
        CompletedRun r = sandbox.run(RunSpec.builder().runnerScript("echo hello").clientKey("c1").build());
        assertThat(r.stdoutText()).isEqualTo("hello\n");
    }

    @Test
    void closeRemovesTheStateDirectoryAndTheCgroupTree() throws Exception {
        try (Sandbox sandbox = Sandbox.create(CONFIG)) {
            runsHello(sandbox);
            assertThat(CONFIG.stateDir()).isDirectory();
            assertThat(Leftovers.nameCgroups(CONFIG.cgroupName())).isNotEmpty();
        }
        Leftovers.assertClosedClean(CONFIG);
    }

    @Test
    void closeRightAfterAKillStillCleansUp() throws Exception {
        Sandbox sandbox = Sandbox.create(CONFIG);
        sandbox.start(RunSpec.builder().runnerScript("sleep 100").build(), (s, c) -> { });
        sandbox.close(); // kills the run and waits for its cleanup before removing the tree
        Leftovers.assertClosedClean(CONFIG);
    }

    @Test
    void sandboxesSharingStateAndNameCleanUpOnlyWhenTheLastCloses() throws Exception {
        Sandbox first = Sandbox.create(CONFIG);
        Sandbox second;
        try {
            second = Sandbox.create(CONFIG);
        } finally {
            first.close();
        }
        try {
            // The second still works: its mount points, binaries and cgroup tree stayed.
            runsHello(second);
            assertThat(CONFIG.stateDir().resolve("root")).isDirectory();
            assertThat(Leftovers.nameCgroups(CONFIG.cgroupName())).isNotEmpty();
        } finally {
            second.close();
        }
        Leftovers.assertClosedClean(CONFIG);
    }

    @Test
    void filesOfOthersInTheStateDirectoryAreKept() throws Exception {
        Files.createDirectories(CONFIG.stateDir());
        Path foreign = CONFIG.stateDir().resolve("operator-notes");
        Files.writeString(foreign, "not the sandbox's");
        try {
            try (Sandbox sandbox = Sandbox.create(CONFIG)) {
                runsHello(sandbox);
            }
            assertThat(foreign).hasContent("not the sandbox's");
            try (var s = Files.list(CONFIG.stateDir())) {
                assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("operator-notes");
            }
        } finally {
            Files.deleteIfExists(foreign);
            Files.deleteIfExists(CONFIG.stateDir());
        }
        Leftovers.assertClosedClean(CONFIG);
    }

    @Test
    void theCgroupTreeStaysWhileAnotherProcessUsesTheName() throws Exception {
        Process other = holder(CONFIG.cgroupName());
        try {
            try (Sandbox sandbox = Sandbox.create(CONFIG)) {
                runsHello(sandbox);
            }
            // Its runs would need <name> (and a removal could race its mkdir of a client directory).
            assertThat(Leftovers.nameCgroups(CONFIG.cgroupName())).as("kept for the other process").isNotEmpty();
            assertThat(CONFIG.stateDir()).as("the state directory is this sandbox's alone").doesNotExist();
        } finally {
            other.destroyForcibly();
            other.waitFor(10, TimeUnit.SECONDS);
        }
        Sandbox.create(CONFIG).close();
        Leftovers.assertClosedClean(CONFIG);
    }

    /** A second JVM holding the host lock of {@code name} (as a live sandbox process would) until killed. */
    private static Process holder(String name) throws Exception {
        Class<?> holder = dev.ato.sandbox.cgroup.HostLockHolder.class;
        String cp = location(Class.forName("dev.ato.sandbox.cgroup.HostLock")) + java.io.File.pathSeparator + location(holder);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, holder.getName(), "/run/ato-cgroup.lock", name)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("locked");
        return p;
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
