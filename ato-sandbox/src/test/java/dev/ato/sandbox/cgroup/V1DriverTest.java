package dev.ato.sandbox.cgroup;

import static dev.ato.sandbox.cgroup.TestCgroups.MIB;
import static dev.ato.sandbox.cgroup.TestCgroups.limits;
import static dev.ato.sandbox.cgroup.TestCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The v1 driver on this host's real cgroup v1 hierarchies, with real processes. */
@Tag("kernel")
class V1DriverTest {
    private static Map<String, Path> mounts;
    private static String name;
    private static V1Driver driver;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        mounts = V1Host.mountsOrSkip();
        name = V1Host.uniqueName();
        driver = new V1Driver(KernelFs.INSTANCE, name, mounts);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (mounts != null) V1Host.removeTree(mounts, name);
    }

    @AfterEach
    void killStarted() {
        for (Process p : started) p.destroyForcibly();
    }

    private V1Host.Gated gated(String script) throws Exception {
        V1Host.Gated g = V1Host.gated(script);
        started.add(g.process());
        return g;
    }

    private static Path dir(String controller, String... names) {
        Path p = mounts.get(controller).resolve(name).resolve(TreeDriver.ownerName(ProcessHandle.current().pid()));
        for (String n : names) p = p.resolve(n);
        return p;
    }

    private void assertGone(String client, String run) {
        for (String c : CgroupProbe.V1_CONTROLLERS) assertThat(dir(c, client, run)).doesNotExist();
    }

    @Test
    void probeChoosesV1WhenTheUnifiedHierarchyHasNoMemoryController() throws Exception {
        // The hybrid layout's empty cgroup2 tree, or none at all (a pure v1 host, as in the VM host matrix).
        Path unified = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
        String controllers = Files.exists(unified) ? Files.readString(unified) : "";
        org.junit.jupiter.api.Assumptions.assumeFalse(controllers.contains("memory"), "cgroup2 has memory here");
        // A fixed name: probe keeps a lock file per name in /run for good, so tests reuse one.
        String probeName = "ato-test-probe";
        try {
            CgroupDriver probed = CgroupDriver.probe(probeName);
            assertThat(probed).isInstanceOf(V1Driver.class).isSameAs(CgroupDriver.probe(probeName));
            assertThat(probed.describe()).startsWith("cgroup v1 (memory, pids, cpu, cpuacct, freezer) under {").contains("/" + probeName);
            try (RunCgroup run = probed.create("local", "p1", Limits.defaults(), 1L << 30, 100)) {
                probed.sweep();
                assertThat(Path.of(run.path())).isDirectory();
            }
            probed.close();
            for (String c : CgroupProbe.V1_CONTROLLERS) {
                assertThat(mounts.get(c).resolve(probeName)).as("kept while the second holder lives").isDirectory();
            }
            probed.close();
            for (String c : CgroupProbe.V1_CONTROLLERS) {
                assertThat(mounts.get(c).resolve(probeName)).as("removed by the last holder's close").doesNotExist();
            }
            CgroupDriver again = CgroupDriver.probe(probeName);
            try {
                assertThat(again).as("a new driver after the last close").isNotSameAs(probed);
            } finally {
                again.close();
            }
        } finally {
            V1Host.removeTree(mounts, probeName);
        }
    }

    @Test
    void createWritesRunAndClientLimitsWithSwapOff() throws Exception {
        try (RunCgroup run = driver.create("limits", "r1", limits(64 * MIB, 17), 256 * MIB, 40)) {
            // 1/8 of each limit goes to the socket counter (TCP and UDP buffers), the rest to memory.
            assertThat(read(dir("memory", "limits", "r1", "memory.limit_in_bytes"))).isEqualTo(Long.toString(56 * MIB));
            assertThat(read(dir("memory", "limits", "r1", "memory.kmem.tcp.limit_in_bytes"))).isEqualTo(Long.toString(8 * MIB));
            assertThat(read(dir("memory", "limits", "memory.kmem.tcp.limit_in_bytes"))).isEqualTo(Long.toString(32 * MIB));
            if (Files.exists(dir("memory", "limits", "r1", "memory.memsw.limit_in_bytes"))) {
                assertThat(read(dir("memory", "limits", "r1", "memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(56 * MIB));
                assertThat(read(dir("memory", "limits", "memory.memsw.limit_in_bytes"))).isEqualTo(Long.toString(224 * MIB));
            }
            assertThat(read(dir("memory", "limits", "r1", "memory.swappiness"))).isEqualTo("0");
            assertThat(read(dir("memory", "limits", "memory.swappiness"))).isEqualTo("0");
            assertThat(read(dir("pids", "limits", "r1", "pids.max"))).isEqualTo("17");
            assertThat(read(dir("memory", "limits", "memory.limit_in_bytes"))).isEqualTo(Long.toString(224 * MIB));
            assertThat(read(dir("pids", "limits", "pids.max"))).isEqualTo("40");
            assertThat(read(dir("cpu", "limits", "r1", "cpu.cfs_quota_us"))).as("one CPU").isEqualTo("100000");
            assertThat(read(dir("cpu", "limits", "r1", "cpu.cfs_period_us"))).isEqualTo("100000");
            assertThat(read(dir("cpu", "limits", "cpu.shares"))).isEqualTo("1024");
            assertThat(run.path()).isEqualTo(dir("memory", "limits", "r1").toString());
            assertThat(members(run)).isEmpty();
        }
        assertGone("limits", "r1");
        assertThat(dir("memory", "limits")).doesNotExist();
    }

    @Test
    void addProcessPutsItInEveryHierarchy() throws Exception {
        V1Host.Gated g = gated("exit 0");
        try (RunCgroup run = driver.create("add", "r1", limits(64 * MIB, 10), 256 * MIB, 40)) {
            run.addProcess(g.pid());
            for (String c : CgroupProbe.V1_CONTROLLERS) {
                assertThat(read(dir(c, "add", "r1", "cgroup.procs"))).isEqualTo(Integer.toString(g.pid()));
            }
            assertThat(members(run)).isNotEmpty();
            g.open();
            assertThat(g.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
        assertGone("add", "r1");
    }

    @Test
    void addProcessOfADeadPidNamesTheFileAndErrno() {
        try (RunCgroup run = driver.create("dead", "r1", limits(64 * MIB, 10), 256 * MIB, 40)) {
            assertThatThrownBy(() -> run.addProcess(999_999_999))
                    .isInstanceOf(SandboxException.class)
                    .hasMessageContaining("cgroup.procs").hasMessageContaining("999999999").hasMessageContaining("ESRCH");
        }
    }

    @Test
    void pidsLimitRefusesForks() throws Exception {
        V1Host.Gated g = gated("for i in 1 2 3 4 5 6 7 8 9 10; do sleep 60 2>/dev/null & done; wait");
        try (RunCgroup run = driver.create("pids", "r1", limits(64 * MIB, 5), 256 * MIB, 40)) {
            g.startIn(run);
            // dash gives up (and exits) at its first refused fork: the sleeps it did start remain.
            assertThat(g.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(members(run)).hasSize(4);
            assertThat(read(dir("pids", "pids", "r1", "pids.current"))).isEqualTo("4");
            assertThat(g.stderr()).contains("fork");
            assertThat(Long.parseLong(read(dir("pids", "pids", "r1", "pids.events")).replace("max ", ""))).isPositive();
        }
        assertGone("pids", "r1");
    }

    /** The processes of the run, as the driver lists them. */
    private static int[] members(RunCgroup run) {
        CgroupFs.Dir[] dirs = dirsOf(run);
        try {
            return driver.members(dirs);
        } finally {
            for (CgroupFs.Dir d : dirs) KernelFs.INSTANCE.close(d);
        }
    }

    /** The run's directories in each hierarchy, opened anew for assertions. */
    private static CgroupFs.Dir[] dirsOf(RunCgroup run) {
        String rel = Path.of(run.path()).subpath(Path.of(run.path()).getNameCount() - 3, Path.of(run.path()).getNameCount()).toString();
        List<Path> roots = V1Host.roots(mounts, name);
        CgroupFs.Dir[] dirs = new CgroupFs.Dir[roots.size()];
        for (int i = 0; i < dirs.length; i++) dirs[i] = KernelFs.INSTANCE.openRoot(roots.get(i).resolve(rel));
        return dirs;
    }

    @Test
    void memoryHogIsOomKilledAndReported() throws Exception {
        V1Host.Gated g = gated("tail /dev/zero");
        try (RunCgroup run = driver.create("oom", "r1", limits(16 * MIB, 10), 256 * MIB, 40)) {
            g.startIn(run);
            assertThat(g.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            CgroupStats s = run.stats();
            assertThat(s.oomKilled()).isTrue();
            assertThat(s.peakMemoryBytes()).isGreaterThan(12 * MIB).isLessThanOrEqualTo(16 * MIB);
        }
        assertGone("oom", "r1");
    }

    @Test
    void statsShowCpuTimeAndPeakMemoryOfTheWholeRun() throws Exception {
        V1Host.Gated g = gated("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; dd if=/dev/zero of=/dev/null bs=24M count=1 2>/dev/null");
        try (RunCgroup run = driver.create("stats", "r1", limits(128 * MIB, 10), 256 * MIB, 40)) {
            CgroupStats before = run.stats();
            assertThat(before.userNanos()).isZero();
            assertThat(before.oomKilled()).isFalse();
            g.startIn(run);
            assertThat(g.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            CgroupStats s = run.stats();
            assertThat(s.userNanos()).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(50));
            assertThat(s.kernelNanos()).isPositive();
            assertThat(s.peakMemoryBytes()).isGreaterThan(24 * MIB);
            assertThat(s.oomKilled()).isFalse();
        }
    }

    @Test
    void closeKillsAForkBombWhileItForks() throws Exception {
        // Every shell forks copies of itself as fast as it can; bash retries a refused fork, so the
        // population stays at the limit and refills any slot a kill frees while it is being killed.
        V1Host.Gated g = V1Host.gated("bash", "b() { while :; do b & done; }; b");
        started.add(g.process());
        Process outsider = new ProcessBuilder("sleep", "60").start();
        started.add(outsider);
        try (RunCgroup run = driver.create("bomb", "r1", limits(128 * MIB, 40), 256 * MIB, 60)) {
            g.startIn(run);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (members(run).length < 30 && System.nanoTime() < deadline) Thread.sleep(5);
            int[] seen = members(run);
            assertThat(seen.length).isGreaterThanOrEqualTo(30);
            run.close();
            // Dead: gone, a zombie until the host's init reaps the orphans (pids.current counts those), or
            // a pid already reused by a process outside the run.
            for (int pid : seen) {
                String st;
                String cg;
                try {
                    st = Files.readString(Path.of("/proc/" + pid + "/stat"));
                    cg = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
                } catch (java.io.IOException gone) {
                    continue;
                }
                String state = st.substring(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3);
                if (!state.equals("Z") && !state.equals("X")) assertThat(cg).as("live pid " + pid).doesNotContain("/" + name + "/bomb/r1");
            }
        }
        assertGone("bomb", "r1");
        assertThat(outsider.isAlive()).as("a process outside the run is never signalled").isTrue();
    }

    @Test
    void closeKillsWhatIsLeftAndRemovesRunAndClientDirectories() throws Exception {
        V1Host.Gated g = gated("sleep 60 & sleep 60 & wait");
        RunCgroup run = driver.create("close", "r1", limits(64 * MIB, 10), 256 * MIB, 40);
        g.startIn(run);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (members(run).length < 3 && System.nanoTime() < deadline) Thread.sleep(5);
        run.close();
        assertGone("close", "r1");
        for (String c : CgroupProbe.V1_CONTROLLERS) assertThat(dir(c, "close")).doesNotExist();
        assertThat(g.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        run.close(); // idempotent
        assertThatThrownBy(run::stats).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void clientDirectoryStaysWhileAnotherRunOfTheClientLives() {
        RunCgroup a = driver.create("shared", "a", limits(64 * MIB, 10), 256 * MIB, 40);
        RunCgroup b = driver.create("shared", "b", limits(64 * MIB, 10), 256 * MIB, 40);
        a.close();
        assertThat(dir("memory", "shared")).isDirectory();
        assertThat(dir("memory", "shared", "b")).isDirectory();
        b.close();
        for (String c : CgroupProbe.V1_CONTROLLERS) assertThat(dir(c, "shared")).doesNotExist();
    }

    @Test
    void aLiveRunIdCannotBeCreatedTwiceAndBadNamesAreRefused() {
        try (RunCgroup run = driver.create("dup", "r1", limits(64 * MIB, 10), 256 * MIB, 40)) {
            assertThatThrownBy(() -> driver.create("dup", "r1", limits(64 * MIB, 10), 256 * MIB, 40))
                    .isInstanceOf(SandboxException.class).hasMessageContaining("dup/r1");
            assertThat(members(run)).isEmpty();
        }
        for (String bad : new String[] {"", "..", "a/b", "a.b", "x".repeat(129)}) {
            assertThatThrownBy(() -> driver.create(bad, "r1", Limits.defaults(), 256 * MIB, 40)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> driver.create("ok", bad, Limits.defaults(), 256 * MIB, 40)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> driver.create("ok", "r1", Limits.defaults(), 0, 40)).isInstanceOf(IllegalArgumentException.class);
        assertThat(dir("memory", "ok")).doesNotExist();
    }

    @Test
    void aKernelRefusalNamesTheFileTheValueAndTheErrno() {
        // The client's aggregate limit is below what the run asks for; v1 accepts that, but a memsw limit
        // below the memory limit is refused: exercise the error path with an impossible pids value instead.
        assertThatThrownBy(() -> driver.create("refused", "r1", limits(64 * MIB, 10), 256 * MIB, Integer.MAX_VALUE - 1))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("pids.max").hasMessageContaining(Integer.toString(Integer.MAX_VALUE - 1)).hasMessageContaining("EINVAL");
        for (String c : CgroupProbe.V1_CONTROLLERS) assertThat(dir(c, "refused")).doesNotExist();
    }

    @Test
    void concurrentRunsOfOneClientComeAndGoWithoutLeftovers() throws Exception {
        TestCgroups.inParallel(8, 64, i -> {
            String client = i % 2 == 0 ? "many" : "many2";
            V1Host.Gated g = V1Host.gated("exit 3");
            try (RunCgroup run = driver.create(client, "c" + i, limits(32 * MIB, 10), 256 * MIB, 40)) {
                g.startIn(run);
                if (g.process().waitFor(20, TimeUnit.SECONDS) && g.process().exitValue() != 3) throw new AssertionError("exit " + g.process().exitValue());
                run.stats();
            } finally {
                g.process().destroyForcibly();
            }
        });
        for (String c : CgroupProbe.V1_CONTROLLERS) {
            assertThat(dir(c, "many")).doesNotExist();
            assertThat(dir(c, "many2")).doesNotExist();
        }
    }

    @Test
    void fiftyLiveRunsAtOnceEachHoldOnlyTheirOwnProcess() throws Exception {
        int n = 50;
        java.util.concurrent.CyclicBarrier allIn = new java.util.concurrent.CyclicBarrier(n);
        TestCgroups.inParallel(n, n, i -> {
            V1Host.Gated g = V1Host.gated("exit 0");
            try (RunCgroup run = driver.create("fifty" + (i % 3), "p" + i, limits(32 * MIB, 10), 256 * MIB, 40)) {
                run.addProcess(g.pid());
                allIn.await(30, TimeUnit.SECONDS);
                assertThat(members(run)).containsExactly(g.pid());
                allIn.await(30, TimeUnit.SECONDS);
                g.open();
                g.process().waitFor(20, TimeUnit.SECONDS);
            } finally {
                g.process().destroyForcibly();
            }
        });
        for (int i = 0; i < 3; i++) {
            for (String c : CgroupProbe.V1_CONTROLLERS) assertThat(dir(c, "fifty" + i)).doesNotExist();
        }
    }

    @Test
    void closeRacingCloseFromAnotherThreadEndsWithNothingLeft() throws Exception {
        for (int round = 0; round < 5; round++) {
            V1Host.Gated g = gated("sleep 60 & sleep 60 & wait");
            RunCgroup run = driver.create("race", "r" + round, limits(64 * MIB, 10), 256 * MIB, 40);
            g.startIn(run);
            Thread killer = Thread.ofPlatform().start(run::close);
            run.close();
            killer.join(10_000);
            assertThat(killer.isAlive()).isFalse();
            assertThat(g.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertGone("race", "r" + round);
        }
        assertThat(dir("memory", "race")).doesNotExist();
    }

    @Test
    void sweepKillsAndRemovesLeftoversWithLiveProcessesButNotLiveRuns() throws Exception {
        // A leftover as a crashed process would leave it: client and run directories with a process tree.
        Process leftover = new ProcessBuilder("sh", "-c", "sleep 60 & sleep 60 & wait").start();
        started.add(leftover);
        for (Path root : V1Host.roots(mounts, name)) {
            Files.createDirectories(root.resolve("gone").resolve("old"));
            Files.writeString(root.resolve("gone").resolve("old").resolve("cgroup.procs"), Long.toString(leftover.pid()));
        }
        // A partial leftover: the run exists in the memory hierarchy only.
        Files.createDirectories(dir("memory", "half", "old2"));
        try (RunCgroup live = driver.create("keep", "r1", limits(64 * MIB, 10), 256 * MIB, 40)) {
            V1Host.Gated g = gated("sleep 60");
            live.addProcess(g.pid());
            driver.sweep();
            assertThat(leftover.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (String c : CgroupProbe.V1_CONTROLLERS) {
                assertThat(mounts.get(c).resolve(name).resolve("gone")).as("the old layout's leftover").doesNotExist();
                assertThat(dir(c, "half")).doesNotExist();
            }
            assertThat(members(live)).as("the sweep spares this driver's own runs").isNotEmpty();
            assertThat(g.process().isAlive()).isTrue();
        }
        assertGone("keep", "r1");
    }
}
