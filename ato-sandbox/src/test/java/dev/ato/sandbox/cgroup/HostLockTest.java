package dev.ato.sandbox.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep guard across processes: a second JVM holding the same name keeps this one from sweeping. */
class HostLockTest {
    @TempDir
    Path tmp;

    @Test
    void theSweepRunsOnlyWhileNoOtherLiveProcessHoldsTheName() throws Exception {
        Path file = tmp.resolve("ato-cgroup.lock");
        HostLock mine = HostLock.acquire(file, "x");
        assertThat(HostLock.acquire(file, "x")).isSameAs(mine);
        AtomicInteger sweeps = new AtomicInteger();
        assertThat(mine.whileAlone(sweeps::incrementAndGet)).isTrue();
        assertThat(mine.whileAlone(sweeps::incrementAndGet)).as("repeatable").isTrue();

        Process same = holder(file, "x");
        Process other = holder(file, "another-name");
        try {
            assertThat(mine.whileAlone(sweeps::incrementAndGet)).as("another live process holds the name").isFalse();
            assertThat(sweeps).hasValue(2);
            same.destroyForcibly(); // SIGKILL: the kernel drops its record lock
            same.waitFor(10, TimeUnit.SECONDS);
            assertThat(mine.whileAlone(sweeps::incrementAndGet)).as("the dead process's lock is gone; other names do not count").isTrue();
            assertThat(sweeps).hasValue(3);
        } finally {
            same.destroyForcibly();
            other.destroyForcibly();
            other.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A second JVM that holds {@code name} in {@code file} until killed. */
    private static Process holder(Path file, String name) throws Exception {
        String cp = location(HostLock.class) + java.io.File.pathSeparator + location(HostLockHolder.class);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, HostLockHolder.class.getName(), file.toString(), name)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("locked");
        return p;
    }

    private static String location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
