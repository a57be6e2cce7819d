package dev.ato.sandbox.nativeaccess;

import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import java.util.List;

/**
 * Processes at the level of intent: spawning with descriptors in place, signalling through pidfds (never a
 * recycled pid), reaping, limits. Each succeeds or throws a {@link NativeException}, except where a method
 * says it answers or ignores errors.
 */
public final class Processes {
    private Processes() { }

    /** Whether this process runs as root (euid 0). */
    public static int effectiveUid() {
        return LibC.geteuid();
    }

    /** Sets the process's umask. @return the umask before */
    public static int umask(int mask) {
        return LibC.umask(mask);
    }

    /** waitpid(2) without blocking. @return pid where it ended ({@code status[0]} its wait status), 0 where it runs */
    public static int waitNoHang(int pid, int[] status) {
        int r = LibC.waitpid(pid, status, LibC.WNOHANG);
        if (r < 0) throw Sys.lastError("waitpid", Integer.toString(pid));
        return r;
    }

    /** SIGKILL to {@code pid}. Errors (the process is gone) are ignored. */
    public static void kill(int pid) {
        LibC.kill(pid, LibC.SIGKILL);
    }

    /** Waits for the child {@code pid} to end and reaps it, retrying on EINTR. @return its wait status, as waitpid(2) gives it */
    public static int waitFor(int pid) {
        int[] status = new int[1];
        while (LibC.waitpid(pid, status, 0) < 0) {
            if (LibC.errno() != Errno.EINTR) throw Sys.lastError("waitpid", Integer.toString(pid));
        }
        return status[0];
    }

    /** Waits for the child {@code pid} to end and reaps it. Errors (not our child, reaped already) are ignored. */
    public static void reap(int pid) {
        LibC.waitpid(pid, new int[1], 0);
    }

    /** pidfd_open(2) that answers instead of throwing. @return the pidfd, or minus the errno */
    public static int tryPidfdOpen(int pid) {
        long fd = LibC.syscall(LibC.SYS_PIDFD_OPEN, pid, 0, 0, 0);
        return fd >= 0 ? (int) fd : -LibC.errno();
    }

    /** SIGKILL through a pidfd, or to a pid where {@code pidfd} is false. @return 0, or the errno */
    public static int trySigkill(int handle, boolean pidfd) {
        long r = pidfd ? LibC.syscall(LibC.SYS_PIDFD_SEND_SIGNAL, handle, LibC.SIGKILL, 0, 0) : LibC.kill(handle, LibC.SIGKILL);
        return r == 0 ? 0 : LibC.errno();
    }

    /** Sets both the soft and the hard limit of {@code resource} for {@code pid}; {@code name} names it in the message. */
    public static void prlimit(int pid, int resource, long value, String name) {
        if (LibC.prlimit(pid, resource, new long[] {value, value}, null) != 0) throw Sys.lastError("prlimit", name);
    }

    /** A pidfd of {@code pid} (Linux 5.3+): signals through it never reach a recycled pid. */
    public static int pidfdOpen(int pid) {
        long fd = LibC.syscall(LibC.SYS_PIDFD_OPEN, pid, 0, 0, 0);
        if (fd < 0) throw Sys.lastError("pidfd_open", Integer.toString(pid));
        return (int) fd;
    }

    /** SIGKILL through a pidfd: never hits a recycled pid. Errors (the process is gone) are ignored. */
    public static void pidfdKill(int pidfd) {
        LibC.syscall(LibC.SYS_PIDFD_SEND_SIGNAL, pidfd, LibC.SIGKILL, 0, 0);
    }

    /**
     * posix_spawn with the given descriptors dup2'ed onto 0, 1, 2 ... in order.
     *
     * @return the child's pid
     */
    public static int spawn(String path, List<String> argv, List<String> env, int[] fds) {
        int[] moved = new int[fds.length];
        for (int i = 0; i < fds.length; i++) {
            // dup2 actions run in order: a source numbered below fds.length could be overwritten by an earlier one.
            moved[i] = fds[i] < fds.length ? LibC.fcntl(fds[i], LibC.F_DUPFD_CLOEXEC, fds.length) : -1;
            if (fds[i] < fds.length && moved[i] < 0) throw Sys.lastError("fcntl", "F_DUPFD_CLOEXEC");
        }
        try {
            return spawnWith(path, argv, env, fds, moved);
        } finally {
            for (int m : moved) Sys.closeQuietly(m);
        }
    }

    private static int spawnWith(String path, List<String> argv, List<String> env, int[] fds, int[] moved) {
        Memory actions = new Memory(128); // sizeof(posix_spawn_file_actions_t) is 80 on x86_64 glibc
        int rc = LibC.posix_spawn_file_actions_init(actions);
        if (rc != 0) throw Sys.failure("posix_spawn_file_actions_init", path, rc);
        try {
            for (int i = 0; i < fds.length; i++) {
                rc = LibC.posix_spawn_file_actions_adddup2(actions, moved[i] >= 0 ? moved[i] : fds[i], i);
                if (rc != 0) throw Sys.failure("posix_spawn_file_actions_adddup2", path, rc);
            }
            // UTF-8 whatever the JVM's locale: arguments and environment values may hold any text.
            StringArray args = new StringArray(argv.toArray(String[]::new), "UTF-8");
            StringArray envp = new StringArray(env.toArray(String[]::new), "UTF-8");
            int[] pid = new int[1];
            rc = LibC.posix_spawn(pid, path, actions, null, args, envp);
            if (rc != 0) throw Sys.failure("posix_spawn", path, rc);
            return pid[0];
        } finally {
            LibC.posix_spawn_file_actions_destroy(actions);
        }
    }
}
