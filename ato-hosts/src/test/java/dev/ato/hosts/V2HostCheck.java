package dev.ato.hosts;

import static dev.ato.hosts.HostCgroups.MIB;
import static dev.ato.hosts.HostCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Configuration v2 of the VM host matrix (setup/vm/matrix.sh): cgroup2 alone at /sys/fs/cgroup with every
 * controller, as on Debian 12 and its kin. Proves that the sandbox's other tests of this boot ran on the v2
 * driver, and that a run's cgroup carries memory.max, memory.swap.max, pids.max and the cpu controller; OOM
 * comes from memory.events and the peak from memory.peak.
 */
class V2HostCheck {
    @Test
    void theSandboxDrivesAPureCgroupV2Hierarchy() throws Exception {
        List<HostCgroups.Mount> mounts = HostCgroups.mounts();
        assertThat(mounts).as("cgroup mounts").hasSize(1);
        assertThat(mounts.get(0).type()).isEqualTo("cgroup2");
        Path root = mounts.get(0).at();
        assertThat(read(root.resolve("cgroup.controllers")).split(" ")).contains("cpu", "memory", "pids");
        HostCgroups.limitsOomPeakAndCleanup("cgroup v2 (memory, pids, cpu) under " + root.resolve(HostCgroups.CONFIG.cgroupName()),
                List.of(root), leaf -> {
                    assertThat(read(leaf.resolve("memory.max"))).isEqualTo(Long.toString(48 * MIB));
                    assertThat(read(leaf.resolve("memory.swap.max"))).isEqualTo("0");
                    assertThat(read(leaf.resolve("pids.max"))).isEqualTo("23");
                    assertThat(read(leaf.resolve("cgroup.controllers")).split(" ")).contains("cpu", "memory", "pids");
                    assertThat(leaf.resolve("memory.peak")).exists();
                });
    }
}
