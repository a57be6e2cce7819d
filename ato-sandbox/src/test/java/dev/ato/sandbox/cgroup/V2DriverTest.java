package dev.ato.sandbox.cgroup;

import static dev.ato.sandbox.cgroup.TestCgroups.MIB;
import static dev.ato.sandbox.cgroup.TestCgroups.limits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 driver's file-level logic against {@link FakeCgroup2}, a temp-directory tree with the files the
 * kernel would have: this host's cgroup2 has no controllers. {@link V2DriverKernelTest} runs the same
 * driver on a real cgroup2 where one is available.
 */
class V2DriverTest {
    /** This process's subtree under the tree "ato". */
    static final String OWN = "ato/" + TreeDriver.ownerName(ProcessHandle.current().pid()) + "/";

    @TempDir
    Path tmp;
    private Path mount;
    private FakeCgroup2 fs;

    @BeforeEach
    void setUp() throws Exception {
        mount = tmp.resolve("cgroup");
        fs = new FakeCgroup2(mount, "cpuset cpu io memory hugetlb pids rdma misc");
    }

    private V2Driver driver() {
        return new V2Driver(fs, "ato", mount);
    }

    private String file(String rel) throws Exception {
        return Files.readString(mount.resolve(rel)).strip();
    }

    @Test
    void enablesControllersOnTheWayDownAndWritesLimitsWithSwapOff() throws Exception {
        V2Driver d = driver();
        assertThat(d.describe()).isEqualTo("cgroup v2 (memory, pids, cpu) under " + mount.resolve("ato"));
        try (RunCgroup run = d.create("client1", "run1", limits(64 * MIB, 17), 256 * MIB, 40)) {
            assertThat(FakeCgroup2.words(file("cgroup.subtree_control"))).contains("memory", "pids", "cpu");
            assertThat(FakeCgroup2.words(file("ato/cgroup.subtree_control"))).contains("memory", "pids", "cpu");
            assertThat(FakeCgroup2.words(file(OWN + "client1/cgroup.subtree_control"))).contains("memory", "pids", "cpu");
            assertThat(file(OWN + "client1/memory.max")).isEqualTo(Long.toString(256 * MIB));
            assertThat(file(OWN + "client1/memory.swap.max")).isEqualTo("0");
            assertThat(file(OWN + "client1/pids.max")).isEqualTo("40");
            assertThat(file(OWN + "client1/run1/memory.max")).isEqualTo(Long.toString(64 * MIB));
            assertThat(file(OWN + "client1/run1/memory.swap.max")).isEqualTo("0");
            assertThat(file(OWN + "client1/run1/pids.max")).isEqualTo("17");
            assertThat(file(OWN + "client1/run1/cpu.max")).as("one CPU").isEqualTo("100000 100000");
            assertThat(fs.writes).contains(OWN + "client1/cpu.weight=100");
            assertThat(file(OWN + "client1/run1/cgroup.subtree_control")).as("runs are leaves").isEmpty();
            assertThat(run.path()).isEqualTo(mount.resolve(OWN + "client1/run1").toString());
        }
        assertThat(mount.resolve(OWN + "client1")).doesNotExist();
        assertThat(mount.resolve("ato")).isDirectory();
    }

    @Test
    void unlimitedClientIsWrittenAsMax() throws Exception {
        try (RunCgroup run = driver().create("c", "r", limits(64 * MIB, 10), Long.MAX_VALUE, Integer.MAX_VALUE)) {
            assertThat(file(OWN + "c/memory.max")).isEqualTo("max");
            assertThat(file(OWN + "c/pids.max")).isEqualTo("max");
        }
    }

    @Test
    void aSecondDriverOnAPreparedTreeWritesNoControllerTwice() {
        driver();
        int before = fs.writes.size();
        driver();
        assertThat(fs.writes.subList(before, fs.writes.size())).noneMatch(w -> w.contains("subtree_control"));
    }

    @Test
    void cpuIsOptionalAndMemoryAndPidsAreRequired() throws Exception {
        Path m2 = tmp.resolve("nocpu");
        fs = new FakeCgroup2(m2, "memory pids");
        V2Driver d = new V2Driver(fs, "ato", m2);
        assertThat(d.describe()).startsWith("cgroup v2 (memory, pids) under");

        Path m3 = tmp.resolve("nopids");
        FakeCgroup2 fs3 = new FakeCgroup2(m3, "cpu memory");
        assertThatThrownBy(() -> new V2Driver(fs3, "ato", m3))
                .isInstanceOf(SandboxException.class).hasMessageContaining("pids").hasMessageContaining(m3.toString());
    }

    @Test
    void aCgroupWithItsOwnProcessesCannotHostTheTreeAndTheMessageSaysWhy() throws Exception {
        fs.mountIsRoot = false; // as in a container, where the mount is the container's own cgroup
        assertThatThrownBy(this::driver)
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("cgroup.subtree_control").hasMessageContaining("EBUSY").hasMessageContaining("processes of its own");
    }

    @Test
    void addProcessMovesThePidIntoTheRun() {
        try (RunCgroup run = driver().create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            run.addProcess(4242);
            assertThat(fs.pids(mount.resolve(OWN + "c/r"))).containsExactly(4242);
            assertThat(fs.pids(mount)).doesNotContain(4242);
        }
    }

    @Test
    void statsComeFromCpuStatMemoryPeakAndMemoryEvents() {
        try (RunCgroup run = driver().create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            Path r = mount.resolve(OWN + "c/r");
            fs.setFile(r.resolve("cpu.stat"), "usage_usec 3500\nuser_usec 2500\nsystem_usec 1000\nnr_periods 0\n");
            fs.setFile(r.resolve("memory.peak"), "12345678\n");
            fs.setFile(r.resolve("memory.current"), "4096\n");
            assertThat(run.stats()).isEqualTo(new CgroupStats(2_500_000, 1_000_000, 12345678, false));
            fs.setFile(r.resolve("memory.events"), "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n");
            assertThat(run.stats().oomKilled()).isTrue();
        }
    }

    @Test
    void withoutMemoryPeakThePeakIsSampledAndDescribeSaysSo() {
        fs.peak = false;
        V2Driver d = driver();
        assertThat(d.describe()).contains("no memory.peak").contains("memory.current").contains("underestimate");
        try (RunCgroup run = d.create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            fs.setFile(mount.resolve(OWN + "c/r/memory.current"), "8192\n");
            assertThat(run.stats().peakMemoryBytes()).isEqualTo(8192);
        }
    }

    @Test
    void withoutSwapAccountingNoSwapFileIsWrittenAndDescribeSaysSo() throws Exception {
        fs.swap = false;
        V2Driver d = driver();
        assertThat(d.describe()).contains("memory.swap.max");
        try (RunCgroup run = d.create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            assertThat(file(OWN + "c/r/memory.max")).isEqualTo(Long.toString(64 * MIB));
        }
    }

    @Test
    void closeWritesCgroupKillAndReturnsOnceEmpty() {
        try (RunCgroup run = driver().create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            run.addProcess(100);
            run.addProcess(101);
            run.close();
            assertThat(fs.killed).containsExactlyInAnyOrder(100, 101);
            assertThat(fs.writes).contains(OWN + "c/r/cgroup.kill=1");
        }
    }

    @Test
    void withoutCgroupKillItFreezesSignalsTheMembersAndThaws() throws Exception {
        fs.kill = false;
        V2Driver d = driver();
        assertThat(d.describe()).contains("no cgroup.kill").contains("cgroup.freeze");
        try (RunCgroup run = d.create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            run.addProcess(200);
            run.addProcess(201);
            fs.place(mount, 300); // outside the run
            run.close();
            assertThat(fs.killed).containsExactlyInAnyOrder(200, 201);
            List<String> freezes = fs.writes.stream().filter(w -> w.contains("cgroup.freeze")).toList();
            assertThat(freezes).containsExactly(OWN + "c/r/cgroup.freeze=1", OWN + "c/r/cgroup.freeze=0");
        }
        assertThat(fs.pids(mount)).contains(300);
    }

    @Test
    void aPidThatLeavesTheRunBetweenListingAndSignallingIsNotSignalled() {
        fs.kill = false;
        try (RunCgroup run = driver().create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            run.addProcess(400);
            run.addProcess(401);
            // 401 dies and its pid goes to a process outside the run right when its handle is taken.
            fs.onOpenProcess = pid -> {
                if (pid == 401) fs.place(mount, 401);
            };
            run.close();
            assertThat(fs.killed).containsExactly(400);
            assertThat(fs.pids(mount)).contains(401);
        }
    }

    @Test
    void closeRetriesWhileTheKernelStillReportsTheRunBusy() {
        RunCgroup run = driver().create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40);
        fs.busyRmdirs = 3;
        run.close();
        assertThat(mount.resolve(OWN + "c")).doesNotExist();
        run.close();
    }

    @Test
    void closeKillsWhatIsLeftBeforeRemoving() {
        RunCgroup run = driver().create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40);
        run.addProcess(500);
        run.close();
        assertThat(fs.killed).containsExactly(500);
        assertThat(mount.resolve(OWN + "c")).doesNotExist();
    }

    @Test
    void aFailedRunSetupLeavesNothingBehind() {
        V2Driver d = driver();
        // pids disabled below ato: the client gets no pids.max, as the kernel would make it.
        fs.setFile(mount.resolve(OWN + "cgroup.subtree_control"), "memory\n");
        assertThatThrownBy(() -> d.create("c2", "r", limits(64 * MIB, 10), 256 * MIB, 40))
                .isInstanceOf(SandboxException.class).hasMessageContaining("pids.max").hasMessageContaining("ENOENT");
        assertThat(mount.resolve(OWN + "c2")).doesNotExist();
    }

    @Test
    void concurrentRunsOfOneClientShareItsDirectoryAndTheLastRemovesIt() throws Exception {
        V2Driver d = driver();
        TestCgroups.inParallel(8, 120, k -> {
            try (RunCgroup run = d.create("shared", "r" + k, limits(64 * MIB, 10), 256 * MIB, 40)) {
                run.addProcess(10_000 + k);
                run.stats();
            }
        });
        assertThat(mount.resolve(OWN + "shared")).doesNotExist();
        assertThat(fs.writes.stream().filter(w -> w.matches(OWN + "shared/r[0-9]+/cgroup.procs=.*")).count()).isEqualTo(120);
    }

    @Test
    void sweepKillsAndRemovesLeftoversButSparesLiveRuns() throws Exception {
        V2Driver first = driver();
        RunCgroup old = first.create("old", "r1", limits(64 * MIB, 10), 256 * MIB, 40);
        old.addProcess(600);
        // "first" dies without closing; a new driver starts on the same tree.
        V2Driver d = driver();
        try (RunCgroup live = d.create("live", "r1", limits(64 * MIB, 10), 256 * MIB, 40)) {
            live.addProcess(700);
            fs.mkdir(new FakeCgroup2.PathDir(mount.resolve(OWN + "live")), "stale");
            fs.place(mount.resolve(OWN + "live/stale"), 701);
            d.sweep();
            assertThat(mount.resolve(OWN + "old")).doesNotExist();
            assertThat(mount.resolve(OWN + "live/stale")).doesNotExist();
            assertThat(fs.killed).containsExactlyInAnyOrder(600, 701);
            assertThat(fs.pids(mount.resolve(OWN + "live/r1"))).containsExactly(700);
        }
    }

    @Test
    void badNamesAreRefused() {
        V2Driver d = driver();
        for (String bad : new String[] {"", ".", "..", "a/b", "cgroup.procs", "x".repeat(129)}) {
            assertThatThrownBy(() -> d.create(bad, "r", Limits.defaults(), 256 * MIB, 40)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> d.create("c", bad, Limits.defaults(), 256 * MIB, 40)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new V2Driver(fs, "../x", mount)).isInstanceOf(IllegalArgumentException.class);
    }
}
