package dev.ato.sandbox.cgroup;

import static org.assertj.core.api.Assertions.assertThat;

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

        Process same = HostLockHolder.start(file, "x");
        Process other = HostLockHolder.start(file, "another-name");
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
}
