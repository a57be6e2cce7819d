package dev.ato.sandbox.cgroup;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.sandbox.Limits;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A measurement, not a test: the cgroup part of a run's critical path (create + addProcess, then stats +
 * close once the process has exited), serial and 8 at once, on the real v1 hierarchies. Runs only when
 * asked: {@code mvn -B -o -pl ato-sandbox test -Dtest=CgroupLatencyReport -Dato.cgroup.latency=500}.
 */
class CgroupLatencyReport {
    @Test
    void reportCgroupLatency() throws Exception {
        String n = System.getProperty("ato.cgroup.latency");
        assumeTrue(n != null, "a measurement: run with -Dato.cgroup.latency=<runs>");
        int runs = Integer.parseInt(n);
        Map<String, Path> mounts = V1Host.mountsOrSkip();
        String name = V1Host.uniqueName();
        try {
            V1Driver driver = new V1Driver(KernelFs.INSTANCE, name, mounts);
            System.out.println(driver.describe());
            measure(driver, runs, 1, "local"); // warm-up: JIT, JNA linkage
            measure(driver, runs, 1, "local");
            measure(driver, runs, 8, "local");
            measure(driver, runs, 1, null);
            try (RunCgroup holder = driver.create("held", "holder", Limits.defaults(), 8L << 30, 512)) {
                System.out.print("(client directory kept by another live run) ");
                measure(driver, runs, 1, "held");
            }
        } finally {
            V1Host.removeTree(mounts, name);
        }
    }

    /** clientKey null: a fresh client per run, so the client directory is made and removed every time. */
    private static void measure(CgroupDriver driver, int runs, int threads, String clientKey) throws Exception {
        long[] setup = new long[runs];
        long[] add = new long[runs];
        long[] teardown = new long[runs];
        TestCgroups.inParallel(threads, runs, k -> {
            V1Host.Gated g = V1Host.gated("exit 0");
            long t0 = System.nanoTime();
            RunCgroup run = driver.create(clientKey == null ? "k" + k : clientKey, "r" + k, Limits.defaults(), 8L << 30, 512);
            long ta = System.nanoTime();
            run.addProcess(g.pid());
            long t1 = System.nanoTime();
            add[k] = t1 - ta;
            g.open();
            g.process().waitFor(10, TimeUnit.SECONDS);
            long t2 = System.nanoTime();
            run.stats();
            run.close();
            long t3 = System.nanoTime();
            setup[k] = t1 - t0;
            teardown[k] = t3 - t2;
        });
        long[] total = new long[runs];
        for (int i = 0; i < runs; i++) total[i] = setup[i] + teardown[i];
        System.out.printf("cgroup v1, %d runs, concurrency %d, %s: create+addProcess p50=%.3f ms, stats+close p50=%.3f ms, total p50=%.3f p90=%.3f p99=%.3f ms (setup p99=%.3f of which addProcess p50=%.3f p99=%.3f; teardown p99=%.3f)%n",
                runs, threads, clientKey == null ? "new client per run" : "one client",
                p(setup, 50), p(teardown, 50), p(total, 50), p(total, 90), p(total, 99), p(setup, 99), p(add, 50), p(add, 99), p(teardown, 99));
    }

    private static double p(long[] nanos, int pct) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(pct / 100.0 * s.length) - 1)] / 1e6;
    }
}
