package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunResult;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile programs against the run's share of the host: CPU. On whichever cgroup version the host has (v1
 * here; the VM harness runs the same class under pure cgroup v2).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@Tag("kernel")
class ResourceLimitsTest {
    static final SandboxConfig CONFIG = SandboxConfig.builder().stateDir(Path.of("/run/ato-test-limits"))
            .cgroupName("ato-test-limits").idBase(310000, 310000)
                .clientLimits(4L << 30, 1024).build();
    @RegisterExtension
    static final SandboxFixture FIXTURE = new SandboxFixture(CONFIG);
    static Sandbox sandbox;
    static byte[] probe;

    @BeforeAll
    static void start() {
        sandbox = FIXTURE.sandbox;
        probe = FIXTURE.probe;
    }

    /** Spinning processes, each in its own session, until the timeout kills them. */
    static RunSpec spinners(int n, Duration timeout, Limits limits) {
        return RunSpec.builder().limits(limits.withTimeout(timeout))
                .runnerScript("for i in $(seq " + n + "); do setsid /ATO/bash -c 'while :; do :; done' & done; wait").build();
    }

    /** CPU time of the run per second of its wall time. */
    static double cpusUsed(RunResult r) {
        return (double) (r.userNanos() + r.kernelNanos()) / r.realNanos();
    }

    @Test
    void aRunOfManySpinningProcessesGetsItsQuotaAndNoMore() {
        RunResult one = sandbox.run(spinners(8, Duration.ofSeconds(3), Limits.defaults())).result();
        assertThat(one.timedOut()).isTrue();
        // CFS hands the quota out in 5 ms slices per CPU, so a 100 ms period may overrun by a slice on each CPU
        // (+10% on 2 CPUs; 1.106 seen on an idle 2-core machine), plus the edges of spawn and reap. Unlimited,
        // 8 spinners on 2 CPUs use 2.
        assertThat(cpusUsed(one)).as("CPUs used by a run with the default quota of 1").isBetween(0.05, 1.2);
        System.out.printf("ResourceLimitsTest: 8 spinners, quota 1 CPU: %.2f CPUs%n", cpusUsed(one));
        RunResult half = sandbox.run(spinners(8, Duration.ofSeconds(3), Limits.defaults().withCpuMillis(500))).result();
        System.out.printf("ResourceLimitsTest: 8 spinners, quota 0.5 CPU: %.2f CPUs%n", cpusUsed(half));
        assertThat(cpusUsed(half)).as("CPUs used by a run with a quota of 0.5").isBetween(0.05, 0.65);
    }

    @Test
    void aHostProcessKeepsItsLatencyWhileARunSpinsNinetyFiveProcesses() throws Exception {
        double baseline = medianSeconds(3);
        Run bomb = sandbox.start(spinners(95, Duration.ofSeconds(20), Limits.defaults()), (s, c) -> { });
        try {
            Thread.sleep(1500); // all 95 spinning
            double during = medianSeconds(3);
            System.out.printf("ResourceLimitsTest: host python3 -c pass %.3f s idle, %.3f s beside 95 spinners%n", baseline, during);
            assertThat(during).as("host python3 -c pass: %.3f s idle, %.3f s beside the run", baseline, during)
                    .isLessThan(Math.max(0.5, 4 * baseline));
        } finally {
            bomb.kill();
            bomb.result().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void tcpAndUdpBuffersCountAgainstTheMemoryLimitSoTheHostLosesNoMoreThanIt() throws Exception {
        // Unbounded, this pins about 1 GiB in TCP buffers (40 loopback pairs, both ways full) and 800 MiB in
        // UDP receive queues (100 sockets).
        Pinned p = pin("$P pin tcp 40 & $P pin udp 100 & wait", 2);
        if (!p.result.oomKilled()) assertThat(p.out).as("the TCP and UDP pinning ran").contains("pinned tcp", "pinned udp");
        p.assertBounded();
    }

    @Test
    void unixSocketBuffersCountAgainstTheMemoryLimitToo() throws Exception {
        Pinned p = pin("$P pin unix 1000 & $P pin unix 1000 & wait", 2);
        assertThat(p.result.oomKilled() || p.out.contains("pinned unix")).as("OOM-killed, or the pinning was refused").isTrue();
        p.assertBounded();
    }

    static final long PIN_LIMIT = 128L << 20;

    /** A pinning run's output, result and the host's MemAvailable drop while it held its buffers. */
    record Pinned(String out, RunResult result, long drop) {
        void assertBounded() {
            System.out.printf("ResourceLimitsTest: socket pinning, limit %d MiB: host MemAvailable dropped %d MiB; Done max_mem %d MiB,"
                    + " oom_killed %s; %s%n", PIN_LIMIT >> 20, drop >> 20, result.maxMemKib() >> 10, result.oomKilled(), out.replace('\n', ' '));
            // Other engineers' processes move MemAvailable too: 384 MiB of slack, against ~2 GiB pinned without the limit.
            assertThat(drop).as("host MemAvailable drop (bytes) beside a run limited to %d MiB", PIN_LIMIT >> 20)
                    .isLessThan(PIN_LIMIT + (384L << 20));
            // At least the socket counter's share on v1 (1/8 of the limit; without it the figure was ~3 MiB), all
            // of the limit on v2; a few pages over at most (the kernel forces some socket charges past a limit).
            assertThat(result.maxMemKib()).as("Done's max_mem (KiB) counts the socket buffers and stays at the limit")
                    .isBetween(PIN_LIMIT / 16 >> 10, (PIN_LIMIT + (16L << 20)) >> 10);
        }
    }

    /** Runs the probe in {@code script} with {@link #PIN_LIMIT}; samples MemAvailable once {@code lines} "pinned" lines came, or the run ended. */
    static Pinned pin(String script, int lines) throws Exception {
        long before = medianMemAvailable();
        StringBuffer out = new StringBuffer();
        Run run = sandbox.start(RunSpec.builder().code(probe).limits(Limits.defaults().withMemoryBytes(PIN_LIMIT).withTimeout(Duration.ofSeconds(90)))
                .runnerScript("cp /ATO/code /tmp/probe && chmod 755 /tmp/probe && P=/tmp/probe\n" + script).build(),
                (stream, chunk) -> out.append(new String(chunk)));
        long during;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (out.toString().split("pinned", -1).length <= lines && !run.result().isDone() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(1000);
            during = medianMemAvailable();
        } finally {
            run.kill();
        }
        return new Pinned(out.toString(), run.result().get(60, TimeUnit.SECONDS), before - during);
    }

    /** The median of five samples of /proc/meminfo's MemAvailable, in bytes, 100 ms apart. */
    static long medianMemAvailable() throws Exception {
        List<Long> samples = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) samples.add(Long.parseLong(line.replaceAll("\\D", "")) << 10);
            }
            Thread.sleep(100);
        }
        Collections.sort(samples);
        return samples.get(2);
    }

    /** The median wall time of {@code n} host {@code python3 -c pass}. */
    static double medianSeconds(int n) throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder("python3", "-c", "pass").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            times.add((System.nanoTime() - t0) / 1e9);
        }
        Collections.sort(times);
        return times.get(n / 2);
    }
}
