package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.SandboxException;

/**
 * Makes, limits, accounts and removes the cgroups of runs, laid out as
 * {@code <root>/<name>/p<pid>/<client-key>/<run-id>}: each process its own subtree, the client directory an
 * aggregate memory and pids limit (and a CPU weight) shared by all runs of one client in that process, the
 * run directory the run's own limits and its accounting.
 * Two implementations, chosen by {@link #probe(String)}: cgroup v2 (one unified hierarchy) and cgroup v1
 * (memory, pids, cpu, cpuacct and freezer hierarchies, wherever /proc/self/mountinfo says they are mounted).
 * Safe for many concurrent runs; one driver per cgroup name per process (several processes may share a name:
 * each sweeps only what dead processes left).
 */
public interface CgroupDriver extends AutoCloseable {
    /**
     * Picks the driver for this host: cgroup v2 if a cgroup2 hierarchy offers the memory and pids
     * controllers, else cgroup v1 if memory, pids, cpu, cpuacct and freezer are all mounted. Creates
     * {@code <root>/<name>} where missing (and on v2 enables the controllers on the way down). On v2, when this
     * process is not in the root cgroup (a systemd service), {@code <root>} is its own cgroup, which must be
     * delegated to it ({@code Delegate=yes}): the process moves itself into {@code <own>/supervisor} and writes
     * nothing outside {@code <own>}. Returns the
     * same driver for the same name within a JVM, so that several sandboxes sharing a name know each other's
     * live runs; each call must be paired with one {@link #close()}, and the last close removes the tree.
     *
     * @param name the sandbox's directory under each hierarchy's root (SandboxConfig.cgroupName())
     * @throws SandboxException naming exactly what is missing when neither version is usable, or which
     *     file could not be written when the tree cannot be prepared (for instance when not root)
     */
    static CgroupDriver probe(String name) {
        return CgroupProbe.shared(name);
    }

    /**
     * One line for logs and health pages: version, controllers, where, and any degraded figure, e.g.
     * {@code cgroup v1 (memory, pids, cpu, cpuacct, freezer) under /sys/fs/cgroup/{memory,pids,cpu,cpuacct,freezer}/ato}.
     */
    String describe();

    /**
     * Creates the run's cgroup (and its client's directory when this is the client's only live run) and
     * writes the limits: memory with swap off (socket buffers included), pids, a CPU quota; the client gets a CPU weight.
     *
     * @param clientKey         the client's directory name ("local" for runs without a client); letters,
     *                          digits, '_' and '-' only, at most 128
     * @param runId             the run's directory name, unique among the live runs of the client; same alphabet
     * @param limits            the run's limits (memory, pids and CPU are used here)
     * @param clientMemoryBytes aggregate memory of all the client's runs; {@link Long#MAX_VALUE} for none
     * @param clientPids        aggregate processes of all the client's runs; {@link Integer#MAX_VALUE} for none
     * @return the run's cgroup, which the caller must {@link RunCgroup#close() close}
     * @throws IllegalArgumentException for a bad key, id or limit
     * @throws SandboxException when the kernel refuses (the message names the file, value and errno), or
     *     when a cgroup with this run id already exists
     */
    RunCgroup create(String clientKey, String runId, Limits limits, long clientMemoryBytes, int clientPids);

    /**
     * Kills the processes of, and removes, what dead processes left under {@code <root>/<name>}: the subtree
     * {@code p<pid>} of every process that no longer holds its byte of the host lock (each driver made by
     * {@link #probe(String)} holds one while it lives), and runs in this process's own subtree that this
     * driver did not create. Live processes' subtrees are never touched. Directories of the layout before
     * per-process subtrees ({@code <name>/<client>}) are swept only while no other live process uses the name
     * (a warning is logged otherwise). Call once at start-up.
     *
     * @throws SandboxException when a leftover cannot be removed (its processes do not die)
     */
    void sweep();

    /**
     * Drops this user's hold on the driver. The last holder (of a driver shared by {@link #probe(String)})
     * removes the empty client directories and {@code <root>/<name>} in every hierarchy, unless another live
     * process on the host uses the name too, and releases the descriptors and the host lock. Directories
     * that still hold processes or run cgroups stay for the next start's {@link #sweep()}. Idempotent per holder
     * is not required: call it once per {@link #probe(String)}.
     */
    @Override
    void close();
}
