package dev.ato.hosts;

import static dev.ato.hosts.HostCgroups.MIB;
import static dev.ato.hosts.HostCgroups.read;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Configuration v1 of the VM host matrix (setup/vm/matrix.sh): cgroup v1 hierarchies only, with no cgroup2
 * tree anywhere (not the hybrid layout of the development machine). Proves that the sandbox picks the v1
 * driver there, that a run's cgroups carry the memory, pids and CPU limits in their own hierarchies, and that OOM,
 * peak memory and cleanup work without the unified tree.
 */
class V1HostCheck {
    @Test
    void theSandboxDrivesV1HierarchiesWithoutAUnifiedTree() throws Exception {
        Map<String, Path> byController = new TreeMap<>();
        for (HostCgroups.Mount m : HostCgroups.mounts()) {
            assertThat(m.type()).as("no cgroup2 mount: " + m).isEqualTo("cgroup");
            for (String c : List.of("memory", "pids", "cpuacct", "freezer")) if (m.options().contains(c)) byController.put(c, m.at());
        }
        assertThat(byController).containsOnlyKeys("cpuacct", "freezer", "memory", "pids");
        Path memory = byController.get("memory");
        Path pids = byController.get("pids");
        Path cpu = byController.get("cpuacct"); // cpu,cpuacct: one hierarchy
        HostCgroups.limitsOomPeakAndCleanup("cgroup v1 (memory, pids, cpu, cpuacct, freezer) under ",
                List.copyOf(new java.util.LinkedHashSet<>(byController.values())), leaf -> {
                    if (leaf.startsWith(memory)) {
                        // v1 charges socket buffers only to kmem.tcp: the run's limit is split 7/8 memory, 1/8 sockets.
                        assertThat(read(leaf.resolve("memory.limit_in_bytes"))).isEqualTo(Long.toString(42 * MIB));
                        assertThat(read(leaf.resolve("memory.kmem.tcp.limit_in_bytes"))).isEqualTo(Long.toString(6 * MIB));
                    }
                    if (leaf.startsWith(pids)) assertThat(read(leaf.resolve("pids.max"))).isEqualTo("23");
                    // The default CPU limit, one CPU: a quota of one period.
                    if (leaf.startsWith(cpu)) assertThat(read(leaf.resolve("cpu.cfs_quota_us"))).isEqualTo(read(leaf.resolve("cpu.cfs_period_us")));
                });
    }
}
