package dev.ato.sandbox.cgroup;

import java.nio.file.Path;

/** A second process for {@link HostLockTest}: takes the host lock of a name in a file, says so, waits for stdin to close. */
public final class HostLockHolder {
    private HostLockHolder() { }

    /** args[0]: the lock file, args[1]: the cgroup name. */
    public static void main(String[] args) throws Exception {
        HostLock.acquire(Path.of(args[0]), args[1]);
        System.out.println("locked");
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold the lock until the parent closes our stdin or kills us
        }
    }
}
