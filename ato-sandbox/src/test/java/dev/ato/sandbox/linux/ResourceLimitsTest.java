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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile programs against the run's share of the host: CPU. On whichever cgroup version the host has (v1
 * here; the VM harness runs the same class under pure cgroup v2).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ResourceLimitsTest {
    static final SandboxConfig CONFIG = new SandboxConfig(Path.of("/run/ato-test-limits"), "ato-test-limits",
            310000, 310000, 65536, Limits.defaults(), 4L << 30, 1024);
    static Sandbox sandbox;

    @BeforeAll
    static void start() {
        sandbox = Sandbox.create(CONFIG);
    }

    @AfterAll
    static void stop() throws Exception {
        if (sandbox != null) sandbox.close();
        Leftovers.assertClosedClean(CONFIG);
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        Leftovers.assertNone(CONFIG);
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
        assertThat(cpusUsed(one)).as("CPUs used by a run with the default quota of 1").isBetween(0.05, 1.1);
        System.out.printf("ResourceLimitsTest: 8 spinners, quota 1 CPU: %.2f CPUs%n", cpusUsed(one));
        RunResult half = sandbox.run(spinners(8, Duration.ofSeconds(3), Limits.defaults().withCpuMillis(500))).result();
        System.out.printf("ResourceLimitsTest: 8 spinners, quota 0.5 CPU: %.2f CPUs%n", cpusUsed(half));
        assertThat(cpusUsed(half)).as("CPUs used by a run with a quota of 0.5").isBetween(0.05, 0.6);
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
