package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.Limits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** What the cgroup driver tests (on the real hierarchies and on the fake) share. */
final class TestCgroups {
    static final long MIB = 1L << 20;

    private TestCgroups() { }

    /** Default limits with the run's memory and pids limits replaced. */
    static Limits limits(long memory, int pids) {
        return Limits.defaults().withMemoryBytes(memory).withPids(pids);
    }

    /** A control file's value, without the kernel's trailing newline. */
    static String read(Path p) throws IOException {
        return Files.readString(p).strip();
    }

    /** One task of {@link #inParallel}; {@code i} is its index. */
    interface Task {
        void run(int i) throws Exception;
    }

    /**
     * Runs {@code task(0) .. task(count - 1)} on {@code threads} threads and waits up to 60 s for each;
     * the first failure is rethrown (wrapped in an {@link java.util.concurrent.ExecutionException}).
     */
    static void inParallel(int threads, int count, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int k = i;
                fs.add(pool.submit(() -> {
                    task.run(k);
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }
}
