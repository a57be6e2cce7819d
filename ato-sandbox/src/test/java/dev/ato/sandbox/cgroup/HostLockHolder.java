package dev.ato.sandbox.cgroup;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A second process for the host-lock tests ({@link HostLockTest}, and {@code linux.CloseCleanupTest}, which
 * plays a live sandbox of another JVM with it): takes the host lock of a name in a file, says so, waits for
 * stdin to close.
 */
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

    /**
     * Starts a second JVM that holds {@code name} in the lock file {@code file} until killed, and returns
     * once it holds it.
     *
     * @param file the lock file
     * @param name the cgroup name to hold
     * @return the holder process; the caller kills it
     * @throws Exception if it cannot be started
     * @throws AssertionError if it did not report the lock taken
     */
    public static Process start(Path file, String name) throws Exception {
        // Another JVM, not a thread: the host lock is a record lock, held per process.
        String cp = location(HostLock.class) + File.pathSeparator + location(HostLockHolder.class);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, HostLockHolder.class.getName(), file.toString(), name)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = readLine(p);
        if (!"locked".equals(line)) {
            p.destroyForcibly();
            throw new AssertionError("the lock holder said " + (line == null ? "nothing" : "'" + line + "'") + ", not 'locked'");
        }
        return p;
    }

    private static String readLine(Process p) throws IOException {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
