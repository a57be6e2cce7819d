package dev.ato.server.internal;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server's drain: once {@link #begin()} is called, the health check reports DOWN (so {@code /observe/health}
 * answers 503 and a load balancer stops sending); new runs are still taken until {@link Admission#refuseNew()}.
 * {@link #enter()}/{@link #exit()} bracket each run's delivery (request received to the last byte of its answer
 * handed to the connection), and {@link #awaitIdle(Duration)} waits for them all.
 */
public final class Drain implements HealthCheck {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int deliveries;
    private volatile String draining;

    /** Starts draining: health reports DOWN with this reason from now on. Later calls keep the first reason. */
    public void begin(String reason) {
        lock.lock();
        try {
            if (draining == null) draining = reason;
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@link #begin} was called. */
    public boolean draining() {
        return draining != null;
    }

    /** A run is being delivered; pair with {@link #exit()}. */
    public void enter() {
        lock.lock();
        try {
            deliveries++;
        } finally {
            lock.unlock();
        }
    }

    /** A run's delivery ended (answered, refused, failed, or the peer went away). */
    public void exit() {
        lock.lock();
        try {
            if (--deliveries <= 0) {
                deliveries = 0;
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs being delivered now. */
    public int deliveries() {
        lock.lock();
        try {
            return deliveries;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no run is being delivered, at most {@code max}; returns whether that happened. */
    public boolean awaitIdle(Duration max) throws InterruptedException {
        long left = max.toNanos();
        lock.lock();
        try {
            while (deliveries > 0) {
                if (left <= 0) return false;
                left = idle.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public HealthCheckType type() {
        return HealthCheckType.READINESS;
    }

    @Override
    public String name() {
        return "drain";
    }

    @Override
    public HealthCheckResponse call() {
        String why = draining;
        return why == null
                ? HealthCheckResponse.builder().status(true).detail("state", "serving").build()
                : HealthCheckResponse.builder().status(false).detail("state", "draining: " + why).build();
    }
}
