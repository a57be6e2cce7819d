package dev.ato.sandbox.cgroup;

import static dev.ato.sandbox.cgroup.TestCgroups.MIB;
import static dev.ato.sandbox.cgroup.TestCgroups.limits;
import static dev.ato.sandbox.cgroup.TestCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The v2 driver on a real cgroup2 hierarchy with the memory and pids controllers. Hosts with cgroup v1
 * controllers (this project's CI among them) have no such hierarchy; there the file-level logic is covered
 * by {@link V2DriverTest} and this class is skipped, saying why.
 */
@Tag("kernel")
@Tag("host-matrix") // needs a cgroup2 tree with memory and pids: the VM matrix's v2 configuration runs it
class V2DriverKernelTest {
    private static Path mount;
    private static String name;
    private static V2Driver driver;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "cgroup tests need root");
        Optional<CgroupProbe.CgroupMount> unified = CgroupProbe.parse(Files.readString(Path.of("/proc/self/mountinfo")))
                .stream().filter(CgroupProbe.CgroupMount::v2).findFirst();
        assumeTrue(unified.isPresent(), "no cgroup2 hierarchy is mounted on this host");
        mount = unified.get().mountPoint();
        String controllers = Files.readString(mount.resolve("cgroup.controllers"));
        assumeTrue(controllers.contains("memory") && controllers.contains("pids"),
                "the cgroup2 at " + mount + " offers '" + controllers.strip() + "', not memory+pids (its controllers are bound to cgroup v1 here)");
        name = V1Host.uniqueName();
        driver = new V2Driver(KernelFs.INSTANCE, name, mount);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (driver != null) V1Host.removeTree(mount.resolve(name));
    }

    @AfterEach
    void killStarted() {
        for (Process p : started) p.destroyForcibly();
    }

    private V1Host.Gated gated(String shell, String script) throws Exception {
        V1Host.Gated g = V1Host.gated(shell, script);
        started.add(g.process());
        return g;
    }

    private static Path dir(String... names) {
        Path p = mount.resolve(name).resolve(TreeDriver.ownerName(ProcessHandle.current().pid()));
        for (String n : names) p = p.resolve(n);
        return p;
    }

    @Test
    void limitsAreWrittenAndTheDirectoryFdIsTheRunsCgroup() throws Exception {
        try (RunCgroup run = driver.create("k", "r1", limits(64 * MIB, 17), 256 * MIB, 40)) {
            assertThat(read(dir("k", "r1", "memory.max"))).isEqualTo(Long.toString(64 * MIB));
            if (Files.exists(dir("k", "r1", "memory.swap.max"))) assertThat(read(dir("k", "r1", "memory.swap.max"))).isEqualTo("0");
            assertThat(read(dir("k", "r1", "pids.max"))).isEqualTo("17");
            assertThat(read(dir("k", "memory.max"))).isEqualTo(Long.toString(256 * MIB));
            assertThat(read(dir("k", "pids.max"))).isEqualTo("40");
        }
        assertThat(dir("k")).doesNotExist();
    }

    @Test
    void memoryHogIsOomKilledAndReported() throws Exception {
        V1Host.Gated g = gated("sh", "tail /dev/zero");
        try (RunCgroup run = driver.create("oom", "r1", limits(16 * MIB, 10), 256 * MIB, 40)) {
            g.startIn(run);
            assertThat(g.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            CgroupStats s = run.stats();
            assertThat(s.oomKilled()).isTrue();
            // Before 5.19 there is no memory.peak and the figure is a sample taken after the run (see describe()).
            if (Files.exists(dir("oom", "r1", "memory.peak"))) assertThat(s.peakMemoryBytes()).isGreaterThan(8 * MIB);
        }
        assertThat(dir("oom")).doesNotExist();
    }

    @Test
    void statsShowCpuTime() throws Exception {
        V1Host.Gated g = gated("sh", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done");
        try (RunCgroup run = driver.create("cpu", "r1", limits(64 * MIB, 10), 256 * MIB, 40)) {
            g.startIn(run);
            assertThat(g.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(run.stats().userNanos()).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    @Test
    void closeKillsAForkBombAndLeavesNothing() throws Exception {
        V1Host.Gated g = gated("bash", "b() { while :; do b & done; }; b");
        RunCgroup run = driver.create("bomb", "r1", limits(128 * MIB, 40), 256 * MIB, 60);
        g.startIn(run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Long.parseLong(read(dir("bomb", "r1", "pids.current"))) < 30 && System.nanoTime() < deadline) Thread.sleep(5);
        run.close();
        assertThat(dir("bomb")).doesNotExist();
    }

    @Test
    void sweepRemovesALeftoverWithALiveProcess() throws Exception {
        Process leftover = new ProcessBuilder("sleep", "60").start();
        started.add(leftover);
        Files.createDirectories(dir("gone", "old"));
        Files.writeString(dir("gone", "old", "cgroup.procs"), Long.toString(leftover.pid()));
        driver.sweep();
        assertThat(leftover.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(dir("gone")).doesNotExist();
    }
}
