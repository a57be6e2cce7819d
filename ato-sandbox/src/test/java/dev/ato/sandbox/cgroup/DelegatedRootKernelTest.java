package dev.ato.sandbox.cgroup;

import static dev.ato.sandbox.cgroup.TestCgroups.MIB;
import static dev.ato.sandbox.cgroup.TestCgroups.limits;
import static dev.ato.sandbox.cgroup.TestCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link DelegatedRoot} on a real cgroup2 with the memory and pids controllers (a pure cgroup v2 kernel without
 * systemd, as the host matrix's first VM configuration boots): the test makes the cgroup systemd would give a
 * {@code Delegate=yes} service, moves this JVM into it, and probes the driver from the real /proc/self files.
 * Then the JVM moves itself into {@code <service>/supervisor}, every run's cgroup is below the service, and no
 * cgroup appears outside it; without the controllers delegated the probe fails in one line and moves nothing.
 * Needs this JVM in the hierarchy's root cgroup at the start (it goes back there after each test); skipped,
 * saying why, elsewhere (this project's development machine has no controller on its cgroup2).
 */
@Tag("kernel")
@Tag("host-matrix") // needs a pure cgroup v2 host with the JVM in the root cgroup: the VM matrix runs it
class DelegatedRootKernelTest {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private final long self = ProcessHandle.current().pid();
    private final List<Process> started = new ArrayList<>();
    private final List<Path> made = new ArrayList<>();
    private Path mount;
    private String name;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "cgroup tests need root");
        Optional<CgroupProbe.CgroupMount> unified = CgroupProbe.parse(Files.readString(MOUNTINFO))
                .stream().filter(CgroupProbe.CgroupMount::v2).findFirst();
        assumeTrue(unified.isPresent(), "no cgroup2 hierarchy is mounted on this host");
        mount = unified.get().mountPoint();
        String controllers = read(mount.resolve("cgroup.controllers"));
        assumeTrue(controllers.contains("memory") && controllers.contains("pids"),
                "the cgroup2 at " + mount + " offers '" + controllers + "', not memory+pids (its controllers are bound to cgroup v1 here)");
        assumeTrue(unified.get().root().equals("/") && ownCgroup().equals("/"),
                "this JVM is in cgroup " + ownCgroup() + ", not the root of the cgroup2 at " + mount + " (under systemd, the host matrix's"
                        + " operator configuration covers delegation)");
        name = V1Host.uniqueName();
        // What systemd does at boot: the controllers enabled at the root for the slices and services below.
        Files.writeString(mount.resolve("cgroup.subtree_control"), "+memory +pids");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : started) p.destroyForcibly();
        if (mount == null) return;
        Files.writeString(mount.resolve("cgroup.procs"), Long.toString(self)); // back to the root cgroup
        for (Process p : started) p.waitFor(10, TimeUnit.SECONDS);
        for (Path p : made.reversed()) V1Host.removeTree(p);
    }

    private static String ownCgroup() throws IOException {
        return DelegatedRoot.ownCgroup(Files.readString(Path.of("/proc/self/cgroup")));
    }

    /** A cgroup below the mount's root made by the test, removed with all below it afterwards. */
    private Path cgroup(Path parent, String leaf) throws IOException {
        Path p = parent.resolve(leaf);
        Files.createDirectory(p);
        made.add(p);
        return p;
    }

    /** Every cgroup directory of the hierarchy but those at or below {@code except}. */
    private Set<Path> cgroupsOutside(Path except) throws IOException {
        try (Stream<Path> s = Files.walk(mount)) {
            return Set.copyOf(s.filter(Files::isDirectory).filter(d -> !d.startsWith(except)).toList());
        }
    }

    /** The cgroup of each thread of this JVM, relative to the mount. */
    private Set<String> threadCgroups() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            Set<String> out = new java.util.HashSet<>();
            for (Path t : tasks.toList()) {
                try {
                    out.add(DelegatedRoot.ownCgroup(Files.readString(t.resolve("cgroup"))));
                } catch (IOException gone) {
                    // a thread that ended meanwhile
                }
            }
            return out;
        }
    }

    @Test
    void inADelegatedServiceCgroupTheRunsAreBelowItAndNothingIsMadeOutside() throws Exception {
        Path service = cgroup(mount, name + ".service");
        String rel = "/" + service.getFileName();
        Files.writeString(service.resolve("cgroup.procs"), Long.toString(self)); // as systemd starts the service
        assertThat(ownCgroup()).isEqualTo(rel);
        String rootControllers = read(mount.resolve("cgroup.subtree_control"));
        Set<Path> outside = cgroupsOutside(service);

        CgroupDriver d = CgroupProbe.probe(MOUNTINFO, KernelFs.INSTANCE, name);
        try {
            assertThat(d).isInstanceOf(V2Driver.class);
            assertThat(d.describe()).contains(" under " + service.resolve(name));
            assertThat(ownCgroup()).isEqualTo(rel + "/supervisor");
            assertThat(threadCgroups()).as("every thread of the JVM moved").containsExactly(rel + "/supervisor");
            assertThat(read(service.resolve("cgroup.procs"))).isEmpty();
            assertThat(read(service.resolve("cgroup.subtree_control")).split(" ")).contains("memory", "pids");

            V1Host.Gated g = V1Host.gated("sh", "tail /dev/zero");
            started.add(g.process());
            try (RunCgroup run = d.create("k", "r1", limits(16 * MIB, 10), 256 * MIB, 40)) {
                // Below this process's own subtree of the sandbox's (p<pid>: see TreeDriver.ownerName).
                assertThat(run.path()).isEqualTo(service.resolve(name + "/" + TreeDriver.ownerName(self) + "/k/r1").toString());
                g.startIn(run);
                assertThat(g.process().waitFor(120, TimeUnit.SECONDS)).isTrue();
                assertThat(run.stats().oomKilled()).as("memory.max of the run below the service holds").isTrue();
            }
            assertThat(service.resolve(name + "/" + TreeDriver.ownerName(self) + "/k")).doesNotExist();

            // A leftover of an earlier process of the service: swept, inside the service.
            Process leftover = new ProcessBuilder("sleep", "600").start();
            started.add(leftover);
            Files.createDirectories(service.resolve(name + "/gone/old"));
            Files.writeString(service.resolve(name + "/gone/old/cgroup.procs"), Long.toString(leftover.pid()));
            d.sweep();
            assertThat(leftover.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(service.resolve(name + "/gone")).doesNotExist();
        } finally {
            d.close();
        }
        assertThat(service.resolve(name)).doesNotExist();
        // Handed back as found: the JVM in the service cgroup again, no controller on, no leaf.
        assertThat(ownCgroup()).isEqualTo(rel);
        assertThat(read(service.resolve("cgroup.subtree_control"))).isEmpty();
        assertThat(service.resolve("supervisor")).doesNotExist();
        assertThat(cgroupsOutside(service)).as("no cgroup made outside the service's").isEqualTo(outside);
        assertThat(read(mount.resolve("cgroup.subtree_control"))).isEqualTo(rootControllers);
    }

    @Test
    void aServiceCgroupWithoutTheControllersFailsInOneLineAndNothingMoves() throws Exception {
        // A slice that enables no controller for its services: systemd's service without Delegate=yes and accounting.
        Path slice = cgroup(mount, name + ".slice");
        Path service = cgroup(slice, "x.service");
        Files.writeString(service.resolve("cgroup.procs"), Long.toString(self));
        String rel = "/" + slice.getFileName() + "/x.service";
        Set<Path> before = cgroupsOutside(mount.resolve("no such"));

        assertThatThrownBy(() -> CgroupProbe.probe(MOUNTINFO, KernelFs.INSTANCE, name))
                .isInstanceOf(SandboxException.class)
                .hasMessage("cgroup v2: this process's cgroup " + service + " is not delegated to it (it is not offered the"
                        + " memory and pids controllers (cgroup.controllers: none)); run the service with Delegate=yes"
                        + " (systemd), or start it in a cgroup delegated to it");
        assertThat(ownCgroup()).isEqualTo(rel);
        assertThat(cgroupsOutside(mount.resolve("no such"))).isEqualTo(before);
        assertThat(read(service.resolve("cgroup.subtree_control"))).isEmpty();
    }
}
