package dev.ato.sandbox.cgroup;

/**
 * The cgroup of one run, in every hierarchy the driver uses. Thread-safe: a timeout thread may
 * {@link #close()} it while another collects {@link #stats()} or closes it too.
 */
public interface RunCgroup extends AutoCloseable {
    /** The run's directory (v1: in the memory hierarchy), for messages. */
    String path();

    /**
     * Moves a process into the run's cgroup in every hierarchy. Do it before the process may fork, so
     * that nothing it starts escapes the limits.
     *
     * @throws dev.ato.sandbox.SandboxException naming the file and errno (ESRCH: no such process)
     * @throws IllegalStateException after {@link #close()}
     */
    void addProcess(int pid);

    /**
     * cgroup v1 only: the run's {@code tasks} file in every hierarchy, opened for writing, for a
     * single-threaded process to move itself in by writing {@code 0} (its own thread). Moving oneself takes
     * no write lock on the kernel's global threadgroup semaphore, whereas moving another process
     * through cgroup.procs does, and that write lock often waits for an RCU grace period (milliseconds).
     * The caller owns and closes the descriptors. Empty on v2 and after {@link #close()}.
     *
     * @throws dev.ato.sandbox.SandboxException naming the file and errno when one cannot be opened
     */
    int[] openJoinFiles();

    /**
     * CPU time, peak memory and OOM kills of the run so far. Read it after the run's processes ended and
     * before {@link #close()}.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    CgroupStats stats();

    /**
     * Kills what is left (every process of the run, also when processes fork while being killed, and never a
     * process outside the run), removes the run's directories (retrying while the kernel still reports them busy),
     * and removes the client's directory if this was its last run. Idempotent; a cgroup that is already
     * gone is not an error.
     *
     * @throws dev.ato.sandbox.SandboxException when the directories cannot be removed within seconds
     */
    @Override
    void close();
}
