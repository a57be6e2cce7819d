/**
 * The cgroup drivers of the sandbox: one cgroup per run under {@code <root>/<name>/<client-key>/<run-id>},
 * with memory (swap off) and pids limits, CPU and peak-memory accounting, OOM detection, kill-everything and
 * removal; an aggregate limit per client key. {@link dev.ato.sandbox.cgroup.CgroupDriver#probe(String)}
 * picks cgroup v2 or v1 for the host. Control is plain writes to cgroupfs files, each relative to a directory
 * descriptor opened once, without following symlinks.
 */
package dev.ato.sandbox.cgroup;
