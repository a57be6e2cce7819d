package dev.ato.sandbox.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.sandbox.nativeaccess.Errno;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the v2 driver relies on from the kernel and {@link KernelFs}, checked on a real cgroup2 hierarchy
 * even where it has no controllers (as on this project's CI): descriptor-relative mkdir, write, read and
 * rmdir; an O_PATH descriptor naming the cgroup; cgroup.kill emptying a tree of processes; rmdir refused
 * while populated.
 */
@Tag("kernel")
class Cgroup2KernelFsTest {
    @Test
    void cgroupKillEmptiesARealCgroup2AndItCanThenBeRemoved() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "cgroup tests need root");
        Optional<CgroupProbe.CgroupMount> unified = CgroupProbe.parse(Files.readString(Path.of("/proc/self/mountinfo")))
                .stream().filter(CgroupProbe.CgroupMount::v2).findFirst();
        assumeTrue(unified.isPresent(), "no cgroup2 hierarchy is mounted on this host");
        Path mount = unified.get().mountPoint();
        String name = V1Host.uniqueName();
        KernelFs fs = KernelFs.INSTANCE;
        CgroupFs.Dir root = fs.openRoot(mount);
        assumeTrue(fs.exists(root, "cgroup.controllers"), "not a cgroup2 root: " + mount);
        Process p = null;
        try {
            assertThat(fs.mkdir(root, name)).isZero();
            assertThat(fs.mkdir(root, name)).isEqualTo(Errno.EEXIST);
            CgroupFs.Dir d = fs.openDir(root, name);
            try {
                assumeTrue(fs.exists(d, "cgroup.kill"), "kernel without cgroup.kill (< 5.14)");
                assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fs.fd(d).getAsInt()))).isEqualTo(mount.resolve(name));
                p = new ProcessBuilder("sh", "-c", "read go; sleep 60 & sleep 60 & wait").start();
                assertThat(fs.write(d, "cgroup.procs", Long.toString(p.pid()))).isZero();
                p.getOutputStream().write('\n');
                p.getOutputStream().flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (fs.read(d, "cgroup.procs").strip().split("\n").length < 3 && System.nanoTime() < deadline) Thread.sleep(5);
                assertThat(fs.read(d, "cgroup.procs").strip().split("\n")).hasSize(3);
                assertThat(fs.rmdir(root, name)).isEqualTo(Errno.EBUSY);
                assertThat(fs.write(d, "cgroup.kill", "1")).isZero();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                while (!fs.read(d, "cgroup.procs").isEmpty() && System.nanoTime() < deadline) Thread.sleep(1);
                assertThat(fs.read(d, "cgroup.procs")).isEmpty();
                assertThat(fs.write(d, "cgroup.kill", "2")).as("only 1 is accepted").isNotZero();
            } finally {
                fs.close(d);
            }
            int e;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((e = fs.rmdir(root, name)) == Errno.EBUSY && System.nanoTime() < deadline) Thread.sleep(1);
            assertThat(e).isZero();
            assertThat(fs.rmdir(root, name)).isEqualTo(Errno.ENOENT);
        } finally {
            if (p != null) p.destroyForcibly();
            fs.rmdir(root, name);
            fs.close(root);
        }
    }
}
