package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.cgroup.HostLockHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A closed sandbox leaves nothing of itself on the host: no state directory, no cgroup directory. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@Tag("kernel")
class CloseCleanupTest {
    private static final SandboxConfig CONFIG = SandboxConfig.builder().stateDir(Path.of("/run/ato-test-close"))
            .cgroupName("ato-test-close").idBase(350000, 350000)
                .clientLimits(4L << 30, 1024).build();

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
        // A second JVM holding the host lock of the name, as a live sandbox process would.
        Process other = HostLockHolder.start(Path.of("/run/ato-cgroup.lock"), CONFIG.cgroupName());
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
}
