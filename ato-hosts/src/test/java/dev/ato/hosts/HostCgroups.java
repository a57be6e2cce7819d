package dev.ato.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Limits;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.StatusType;
import dev.ato.sandbox.linux.LinuxSandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the host checks of the VM matrix share: this host's cgroup mounts, a live run's cgroup found from the
 * outside, and one sandbox session that proves limits, OOM, peak memory and cleanup on whichever cgroup
 * version the VM booted with.
 */
final class HostCgroups {
    static final long MIB = 1L << 20;
    static final SandboxConfig CONFIG = SandboxConfig.builder().stateDir(Path.of("/run/ato-host-check"))
            .cgroupName("ato-host-check").build();

    private HostCgroups() { }

    /** One cgroup mount of /proc/self/mountinfo: filesystem type (cgroup or cgroup2), where, super options. */
    record Mount(String type, Path at, List<String> options) { }

    static List<Mount> mounts() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> {
            String[] pre = l.substring(0, l.indexOf(" - ")).split(" ");
            String[] post = l.substring(l.indexOf(" - ") + 3).split(" ");
            return new Mount(post[0], Path.of(pre[4]), List.of(post[2].split(",")));
        }).filter(m -> m.type().equals("cgroup") || m.type().equals("cgroup2")).toList();
    }

    static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The deepest directory under {@code root} whose cgroup.procs (or v1 tasks) lists a process, waiting up to 60 s. */
    static Path liveLeaf(Path root) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> s = Files.walk(root)) {
                    Optional<Path> leaf = s.filter(Files::isDirectory)
                            .filter(d -> Files.exists(d.resolve("cgroup.procs")) && !read(d.resolve("cgroup.procs")).isEmpty())
                            .max((a, b) -> Integer.compare(a.getNameCount(), b.getNameCount()));
                    if (leaf.isPresent()) return leaf.get();
                } catch (UncheckedIOException e) {
                    // a run's directory went away while we walked: look again
                }
            }
            assertThat(System.nanoTime() - until).as("a live run's cgroup under " + root).isNegative();
            Thread.sleep(50);
        }
    }

    /**
     * Runs against a fresh sandbox: a live run whose cgroup must show the limits ({@code limitsOf} checks the
     * leaf found under each of {@code roots}), then a memory hog that must be OOM-killed with its peak
     * reported; after close nothing of the sandbox's cgroup name may be left under any root.
     */
    static void limitsOomPeakAndCleanup(String describedAs, List<Path> roots, LeafCheck limitsOf) throws Exception {
        Limits limits = Limits.defaults().withMemoryBytes(48 * MIB).withPids(23);
        try (Sandbox sandbox = Sandbox.create(CONFIG)) {
            assertThat(((LinuxSandbox) sandbox).describeCgroups()).startsWith(describedAs);
            Run run = sandbox.start(RunSpec.builder().limits(limits).clientKey("hostcheck")
                    .runnerScript("sleep 120").build(), (stream, chunk) -> { });
            try {
                for (Path root : roots) limitsOf.check(liveLeaf(root.resolve(CONFIG.cgroupName())));
            } finally {
                run.kill();
            }
            assertThat(run.result().get(120, TimeUnit.SECONDS).statusType()).isEqualTo(StatusType.KILLED);

            CompletedRun hog = sandbox.run(RunSpec.builder().limits(limits)
                    .runnerScript("exec /ATO/bash -c 'a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done'").build());
            assertThat(hog.result().oomKilled()).as("OOM reported").isTrue();
            assertThat(hog.result().statusType()).isEqualTo(StatusType.KILLED);
            // max_mem is ATO's figure, the largest ru_maxrss, which counts shared pages the cgroup never paid
            // for (bash's and libc's, charged to whoever read them first): it may pass the limit (seen: +1.7 MiB
            // on 6.1). The cgroup's own peak may not, but for the CPUs' charge batches (v1: +304 KiB seen).
            assertThat(hog.result().maxMemKib()).as("peak memory (ATO's max_mem), KiB").isBetween(24L << 10, 52L << 10);
            assertThat(hog.result().cgroupPeakKib()).as("the cgroup's own peak, KiB").isBetween(24L << 10, 49L << 10);
        }
        for (Path root : roots) assertThat(root.resolve(CONFIG.cgroupName())).doesNotExist();
        assertThat(CONFIG.stateDir()).doesNotExist();
    }

    interface LeafCheck {
        void check(Path leaf) throws Exception;
    }
}
