package dev.ato.server.internal;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import java.time.Duration;

/**
 * Readiness: the sandbox can run {@code true} now. The answer is kept for a few seconds so that a busy
 * prober does not become a load of its own; concurrent probes share one run.
 */
public final class SandboxHealth implements HealthCheck {
    private final Sandbox sandbox;
    private final long cacheNanos;
    // A lock, not synchronized: the probe blocks, and on JDK 21 a monitor would pin the virtual thread's carrier.
    private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    private long checkedAt;
    private HealthCheckResponse last;

    /** A check over this sandbox, cached for {@code cacheTime}. */
    public SandboxHealth(Sandbox sandbox, Duration cacheTime) {
        this.sandbox = sandbox;
        this.cacheNanos = cacheTime.toNanos();
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "sandbox";
    }

    @Override
    public HealthCheckResponse call() {
        lock.lock();
        try {
            long now = System.nanoTime();
            if (last == null || now - checkedAt > cacheNanos) {
                last = probe();
                checkedAt = System.nanoTime();
            }
            return last;
        } finally {
            lock.unlock();
        }
    }

    private HealthCheckResponse probe() {
        long t0 = System.nanoTime();
        try {
            CompletedRun r = sandbox.run(RunSpec.builder().image(Image.host()).command("true")
                    .timeout(Duration.ofSeconds(10)).build());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (r.result().succeeded()) {
                return HealthCheckResponse.builder().status(true).detail("probe", "true ran in " + ms + " ms").build();
            }
            return HealthCheckResponse.builder().status(false)
                    .detail("probe", "true ended " + r.result().statusType().wireName() + " " + r.result().statusValue())
                    .build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.builder().status(false).detail("probe", "sandbox failed: " + e.getMessage()).build();
        }
    }
}
