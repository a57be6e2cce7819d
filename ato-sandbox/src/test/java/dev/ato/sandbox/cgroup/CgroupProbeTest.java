package dev.ato.sandbox.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading mountinfo and choosing the driver. */
class CgroupProbeTest {
    @TempDir
    Path tmp;

    private static String line(int id, String mountPoint, String type, String superOptions) {
        return id + " 23 0:" + id + " / " + mountPoint + " rw,nosuid,nodev,noexec,relatime shared:" + id + " - "
                + type + " " + type + " " + superOptions + "\n";
    }

    @Test
    void parsesV1ControllersFromSuperOptionsIncludingCombinedHierarchiesAndEscapedPaths() {
        String mountinfo = "22 1 0:21 / /sys rw - sysfs sysfs rw\n"
                + line(30, "/sys/fs/cgroup/cpu,cpuacct", "cgroup", "rw,cpu,cpuacct")
                + line(31, "/sys/fs/cgroup/memory", "cgroup", "rw,memory")
                + line(32, "/mnt/with\\040space", "cgroup2", "rw,nsdelegate")
                + "40 22 0:40 / /weird rw - tmpfs cgroup rw\n";
        List<CgroupProbe.CgroupMount> mounts = CgroupProbe.parse(mountinfo);
        assertThat(mounts).hasSize(3);
        assertThat(mounts.get(0).mountPoint()).isEqualTo(Path.of("/sys/fs/cgroup/cpu,cpuacct"));
        assertThat(mounts.get(0).options()).contains("cpu", "cpuacct");
        assertThat(mounts.get(0).v2()).isFalse();
        assertThat(mounts.get(2).mountPoint()).isEqualTo(Path.of("/mnt/with space"));
        assertThat(mounts.get(2).v2()).isTrue();
    }

    @Test
    void picksV2WhenTheUnifiedHierarchyOffersMemoryAndPids() throws Exception {
        Path mount = tmp.resolve("unified");
        FakeCgroup2 fs = new FakeCgroup2(mount, "cpu memory pids");
        Path mountinfo = tmp.resolve("mountinfo");
        Files.writeString(mountinfo, line(31, "/sys/fs/cgroup/memory", "cgroup", "rw,memory") + line(41, mount.toString(), "cgroup2", "rw"));
        Files.writeString(tmp.resolve("cgroup"), "0::/\n");
        CgroupDriver d = CgroupProbe.probe(mountinfo, fs, "ato");
        assertThat(d).isInstanceOf(V2Driver.class);
        assertThat(d.describe()).startsWith("cgroup v2 (memory, pids, cpu)");
    }

    @Test
    void namesExactlyWhatIsMissingWhenNeitherVersionIsUsable() throws Exception {
        Path mount = tmp.resolve("unified");
        FakeCgroup2 fs = new FakeCgroup2(mount, "hugetlb");
        Path mountinfo = tmp.resolve("mountinfo");
        Files.writeString(mountinfo, line(31, "/sys/fs/cgroup/memory", "cgroup", "rw,memory")
                + line(32, "/sys/fs/cgroup/cpu,cpuacct", "cgroup", "rw,cpu,cpuacct")
                + line(41, mount.toString(), "cgroup2", "rw"));
        assertThatThrownBy(() -> CgroupProbe.probe(mountinfo, fs, "ato"))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("no cgroup v1 pids, freezer controllers mounted")
                .hasMessageContaining("the cgroup2 at " + mount + " offers hugetlb, not memory+pids");

        Files.writeString(mountinfo, line(32, "/sys/fs/cgroup/pids", "cgroup", "rw,pids,freezer,cpuacct"));
        assertThatThrownBy(() -> CgroupProbe.probe(mountinfo, fs, "ato"))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("no cgroup v1 memory, cpu controllers mounted and no cgroup2 is mounted");
    }
}
