package dev.ato.sandbox.linux;

import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.Namespaces;
import dev.ato.sandbox.nativeaccess.Sys;

/**
 * Descriptors of the host's namespaces, opened once, so that a thread that unshared its own can return
 * to the host's (setns(2)) before it touches anything on the host: the uid maps in /proc, the cgroup tree.
 */
final class HostNamespaces implements AutoCloseable {
    private static final String[] NAMES = {"net", "uts", "ipc", "pid", "mnt"};
    private static final int[] TYPES = {LibC.CLONE_NEWNET, LibC.CLONE_NEWUTS, LibC.CLONE_NEWIPC, LibC.CLONE_NEWPID, LibC.CLONE_NEWNS};
    private final int[] fds = new int[NAMES.length];

    /** Opens the calling thread's namespaces, which must be the host's. */
    HostNamespaces() {
        java.util.Arrays.fill(fds, -1);
        for (int i = 0; i < NAMES.length; i++) {
            fds[i] = Sys.openNamespace("/proc/thread-self/ns/" + NAMES[i]);
        }
    }

    /**
     * Moves the calling thread back into the host's namespaces (for PID: its future children's). The mount
     * namespace goes last: the others are found through descriptors, which do not depend on it.
     *
     * @throws StrandedThreadError when the kernel refuses: the thread must then do nothing more on the host,
     *     and must end rather than serve another run
     */
    void restore() {
        for (int i = 0; i < NAMES.length; i++) {
            int errno = Namespaces.trySetns(fds[i], TYPES[i]);
            if (errno != 0) {
                throw new StrandedThreadError("cannot return to the host's namespaces: "
                        + Sys.failure("setns", NAMES[i], errno).getMessage());
            }
        }
    }

    /** A thread left in a run's namespaces. An Error, so that no pool keeps the thread alive for more work. */
    static final class StrandedThreadError extends Error {
        private static final long serialVersionUID = 1L;

        StrandedThreadError(String message) {
            super(message);
        }
    }

    /** The host's network namespace (owned by this object). */
    int net() {
        return fds[0];
    }

    @Override
    public void close() {
        for (int i = 0; i < fds.length; i++) {
            Sys.closeQuietly(fds[i]);
            fds[i] = -1;
        }
    }
}
