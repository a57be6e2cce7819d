package dev.ato.sandbox.cgroup;

import static dev.ato.sandbox.cgroup.TestCgroups.MIB;
import static dev.ato.sandbox.cgroup.TestCgroups.limits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the v2 tree lives ({@link DelegatedRoot}), through {@link CgroupProbe#probe} against {@link FakeCgroup2}
 * laid out as systemd lays out a host: the root, system.slice, and the service's cgroup holding this process.
 * {@link DelegatedRootKernelTest} does the same on a real cgroup2.
 */
class DelegatedRootTest {
    private static final String SERVICE = "system.slice/ato.service";

    @TempDir
    Path tmp;
    private Path mount;
    private FakeCgroup2 fs;
    private final long self = ProcessHandle.current().pid();

    @BeforeEach
    void setUp() throws Exception {
        mount = tmp.resolve("fs");
        fs = new FakeCgroup2(mount, "cpuset cpu io memory hugetlb pids rdma misc");
        Files.writeString(tmp.resolve("mountinfo"), "35 24 0:30 / " + mount
                + " rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n");
    }

    /** systemd's layout: {@code parentControllers} enabled for the children of system.slice; this process in the service. */
    private void systemd(String parentControllers) {
        FakeCgroup2.PathDir root = new FakeCgroup2.PathDir(mount);
        assertThat(fs.write(root, "cgroup.subtree_control", "+memory +pids +cpu")).isZero();
        assertThat(fs.mkdir(root, "system.slice")).isZero();
        FakeCgroup2.PathDir slice = new FakeCgroup2.PathDir(mount.resolve("system.slice"));
        if (!parentControllers.isEmpty()) assertThat(fs.write(slice, "cgroup.subtree_control", parentControllers)).isZero();
        assertThat(fs.mkdir(slice, "ato.service")).isZero();
        fs.place(mount.resolve(SERVICE), (int) self);
        fs.writes.clear();
    }

    private CgroupDriver probe(String ownCgroup) throws Exception {
        Files.writeString(tmp.resolve("cgroup"), "0::" + ownCgroup + "\n");
        return CgroupProbe.probe(tmp.resolve("mountinfo"), fs, "ato");
    }

    private Set<String> words(String rel) throws Exception {
        return FakeCgroup2.words(Files.readString(mount.resolve(rel)));
    }

    @Test
    void aProcessInTheRootCgroupKeepsTheTreeAtTheMountsRoot() throws Exception {
        fs.place(mount, (int) self);
        CgroupDriver d = probe("/");
        assertThat(d.describe()).isEqualTo("cgroup v2 (memory, pids, cpu) under " + mount.resolve("ato"));
        try (RunCgroup run = d.create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            assertThat(run.path()).isEqualTo(mount.resolve(V2DriverTest.OWN + "c/r").toString());
        }
        assertThat(fs.pids(mount)).contains((int) self);
        assertThat(mount.resolve(DelegatedRoot.LEAF)).doesNotExist();
    }

    @Test
    void aDelegatedServiceCgroupHoldsTheTreeAndNothingIsWrittenOutsideIt() throws Exception {
        systemd("+memory +pids +cpu");
        Path service = mount.resolve(SERVICE);
        CgroupDriver d = probe("/" + SERVICE);
        assertThat(d.describe()).isEqualTo("cgroup v2 (memory, pids, cpu) under " + service.resolve("ato"));
        // The process moved itself (first) into the leaf; then the controllers were enabled for the service's children.
        assertThat(fs.pids(service)).isEmpty();
        assertThat(fs.pids(service.resolve("supervisor"))).containsExactly((int) self);
        assertThat(fs.writes.getFirst()).isEqualTo(SERVICE + "/supervisor/cgroup.procs=" + self);
        assertThat(words(SERVICE + "/cgroup.subtree_control")).containsExactlyInAnyOrder("memory", "pids", "cpu");
        try (RunCgroup run = d.create("c", "r", limits(64 * MIB, 10), 256 * MIB, 40)) {
            assertThat(run.path()).isEqualTo(service.resolve(V2DriverTest.OWN + "c/r").toString());
            assertThat(Files.readString(service.resolve(V2DriverTest.OWN + "c/r/memory.max")).strip()).isEqualTo(Long.toString(64 * MIB));
            run.addProcess(800);
            assertThat(fs.pids(service.resolve(V2DriverTest.OWN + "c/r"))).containsExactly(800);
            // A leftover of an earlier process of the service, swept without touching the live run.
            fs.mkdir(new FakeCgroup2.PathDir(service.resolve("ato")), "old");
            fs.mkdir(new FakeCgroup2.PathDir(service.resolve("ato/old")), "r1");
            fs.place(service.resolve("ato/old/r1"), 801);
            d.sweep();
            assertThat(service.resolve("ato/old")).doesNotExist();
            assertThat(fs.killed).containsExactly(801);
            assertThat(fs.pids(service.resolve(V2DriverTest.OWN + "c/r"))).containsExactly(800);
        }
        // Closed, the driver hands the service cgroup back as it was found (systemd's next command of the unit
        // starts in it: with controllers left on, v2 would refuse it a process, status 219/CGROUP).
        d.close();
        assertThat(service.resolve("ato")).doesNotExist();
        assertThat(service.resolve("supervisor")).doesNotExist();
        assertThat(fs.pids(service)).containsExactly((int) self);
        assertThat(words(SERVICE + "/cgroup.subtree_control")).isEmpty();

        // A later driver of the same process (ExecStart= after ExecStartPre=) does it all again, inside the service.
        CgroupDriver again = probe("/" + SERVICE);
        assertThat(again.describe()).endsWith("under " + service.resolve("ato"));
        assertThat(fs.pids(service.resolve("supervisor"))).containsExactly((int) self);
        again.close();
        assertThat(fs.pids(service)).containsExactly((int) self);
        assertThat(fs.writes).isNotEmpty().allMatch(w -> w.startsWith(SERVICE + "/"), "every write inside " + SERVICE);
        assertThat(words("system.slice/cgroup.subtree_control")).containsExactlyInAnyOrder("memory", "pids", "cpu");
    }

    @Test
    void aServiceWithoutDelegationGetsOneLineNamingWhatIsMissingAndTheFix() throws Exception {
        systemd("+cpu"); // without Delegate=yes systemd enables for the service only what its own settings need
        Path service = mount.resolve(SERVICE);
        assertThatThrownBy(() -> probe("/" + SERVICE))
                .isInstanceOf(SandboxException.class)
                .hasMessage("cgroup v2: this process's cgroup " + service + " is not delegated to it (it is not offered the"
                        + " memory and pids controllers (cgroup.controllers: cpu)); run the service with Delegate=yes"
                        + " (systemd), or start it in a cgroup delegated to it");
        assertThat(fs.writes).as("nothing written").isEmpty();
        assertThat(fs.pids(service)).containsExactly((int) self);
        assertThat(service.resolve("supervisor")).doesNotExist();
    }

    @Test
    void anotherProcessInTheServiceCgroupIsNamedAndNothingIsMoved() throws Exception {
        systemd("+memory +pids +cpu");
        fs.place(mount.resolve(SERVICE), 4321);
        assertThatThrownBy(() -> probe("/" + SERVICE))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("also holds process 4321,").hasMessageContaining("Delegate=yes")
                .hasMessageNotContaining("\n");
        assertThat(fs.writes).isEmpty();
    }

    @Test
    void aLoginSessionSharedWithItsShellKeepsTheTreeAtTheMountsRoot() throws Exception {
        String scope = "user.slice/session-3.scope";
        FakeCgroup2.PathDir root = new FakeCgroup2.PathDir(mount);
        assertThat(fs.write(root, "cgroup.subtree_control", "+memory +pids +cpu")).isZero();
        assertThat(fs.mkdir(root, "user.slice")).isZero();
        FakeCgroup2.PathDir slice = new FakeCgroup2.PathDir(mount.resolve("user.slice"));
        assertThat(fs.write(slice, "cgroup.subtree_control", "+memory +pids")).isZero();
        assertThat(fs.mkdir(slice, "session-3.scope")).isZero();
        fs.place(mount.resolve(scope), (int) self);
        fs.place(mount.resolve(scope), 4321); // the shell that ran ./ato run
        CgroupDriver d = probe("/" + scope);
        assertThat(d.describe()).endsWith("under " + mount.resolve("ato"));
        assertThat(fs.pids(mount.resolve(scope))).containsExactlyInAnyOrder((int) self, 4321);
        assertThat(mount.resolve(scope).resolve(DelegatedRoot.LEAF)).doesNotExist();
        d.close();
    }

    @Test
    void theLeafsNameIsNotASandboxName() throws Exception {
        systemd("+memory +pids +cpu");
        Files.writeString(tmp.resolve("cgroup"), "0::/" + SERVICE + "\n");
        assertThatThrownBy(() -> CgroupProbe.probe(tmp.resolve("mountinfo"), fs, DelegatedRoot.LEAF))
                .isInstanceOf(SandboxException.class).hasMessageContaining("choose another");
        assertThat(fs.writes).isEmpty();
    }

    @Test
    void aMountOfASubtreeMapsTheOwnCgroupThroughTheMountsRoot() {
        CgroupProbe.CgroupMount sub = new CgroupProbe.CgroupMount(mount, true, Set.of("rw"), "/" + SERVICE);
        assertThat(DelegatedRoot.choose(fs, sub, "0::/" + SERVICE + "\n", self, "ato")).isEqualTo(mount);
        assertThatThrownBy(() -> DelegatedRoot.choose(fs, sub, "0::/user.slice\n", self, "ato"))
                .isInstanceOf(SandboxException.class).hasMessageContaining("is not below the cgroup2 mounted at " + mount);
        assertThatThrownBy(() -> DelegatedRoot.choose(fs, sub, "12:memory:/x\n", self, "ato"))
                .isInstanceOf(SandboxException.class).hasMessageContaining("no \"0::\" line");
    }
}
