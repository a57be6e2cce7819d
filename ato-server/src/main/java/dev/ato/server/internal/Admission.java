package dev.ato.server.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Decides when a run may start: at most {@code globalCap} runs at once, at most {@code perClientCap} of one
 * client, and a bounded FIFO queue in front of both. A waiting run is granted as soon as a slot frees that it
 * may take (a client at its own cap does not hold up the clients behind it); it is refused only when the queue
 * is full or its wait passes {@code maxWait}. A refused run was never started.
 */
public final class Admission {
    /** Why a run was refused. */
    public enum Refusal {
        /** The queue was full when the run asked. */
        QUEUE_FULL("the queue is full"),
        /** The run waited {@code maxWait} without a slot. */
        WAIT_EXPIRED("no slot became free in time"),
        /** The server is draining before it stops: it takes no new run (runs already waiting keep their place). */
        SHUTTING_DOWN("the server is shutting down");

        private final String text;

        Refusal(String text) {
            this.text = text;
        }

        /** Human-readable reason. */
        public String text() {
            return text;
        }
    }

    /** Completes an acquisition that was refused. */
    public static final class RefusedException extends RuntimeException {
        private final Refusal refusal;

        RefusedException(Refusal refusal) {
            super(refusal.text(), null, false, false);
            this.refusal = refusal;
        }

        /** Why. */
        public Refusal refusal() {
            return refusal;
        }
    }

    /** A granted slot; closing it (once or more) frees the slot. */
    public final class Permit implements AutoCloseable {
        private final String client;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(String client) {
            this.client = client;
        }

        /** Frees the slot; later calls do nothing. */
        @Override
        public void close() {
            if (released.compareAndSet(false, true)) release(client);
        }
    }

    private final class Waiter {
        final String client;
        final CompletableFuture<Permit> future = new CompletableFuture<>();
        ScheduledFuture<?> timer;

        Waiter(String client) {
            this.client = client;
        }
    }

    private final int globalCap;
    private final int perClientCap;
    private final int queueLength;
    private final Duration maxWait;
    private final ScheduledExecutorService timers;

    private final Object lock = new Object();
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private final Map<String, Integer> running = new HashMap<>();
    private int runningTotal;
    private volatile boolean refusing;

    /** Caps and queue; {@code timers} fires the wait limits. */
    public Admission(int globalCap, int perClientCap, int queueLength, Duration maxWait, ScheduledExecutorService timers) {
        if (globalCap < 1 || perClientCap < 1 || queueLength < 0) throw new IllegalArgumentException("bad caps");
        this.globalCap = globalCap;
        this.perClientCap = perClientCap;
        this.queueLength = queueLength;
        this.maxWait = maxWait;
        this.timers = timers;
    }

    /**
     * Asks for a slot. The future completes with a {@link Permit} (at once when a slot is free), or
     * exceptionally with {@link RefusedException}. Cancelling the future leaves the queue.
     */
    public CompletableFuture<Permit> acquire(String client) {
        if (refusing) return CompletableFuture.failedFuture(new RefusedException(Refusal.SHUTTING_DOWN));
        Waiter w;
        synchronized (lock) {
            // Slots are handed to eligible waiters the moment they free up, so while a global slot is free
            // every waiter is blocked by its own client cap and cannot be overtaken unfairly.
            if (runningTotal < globalCap && running.getOrDefault(client, 0) < perClientCap) {
                take(client);
                return CompletableFuture.completedFuture(new Permit(client));
            }
            if (queue.size() >= queueLength) {
                return CompletableFuture.failedFuture(new RefusedException(Refusal.QUEUE_FULL));
            }
            w = new Waiter(client);
            queue.addLast(w);
        }
        Waiter waiter = w;
        waiter.timer = timers.schedule(() -> {
            if (dequeue(waiter)) waiter.future.completeExceptionally(new RefusedException(Refusal.WAIT_EXPIRED));
        }, Math.max(1, maxWait.toMillis()), TimeUnit.MILLISECONDS);
        waiter.future.whenComplete((p, e) -> {
            if (waiter.future.isCancelled()) dequeue(waiter);
            if (waiter.timer != null) waiter.timer.cancel(false);
        });
        return waiter.future;
    }

    /** From now on every new {@link #acquire} is refused with {@link Refusal#SHUTTING_DOWN}; waiting runs stay queued. */
    public void refuseNew() {
        refusing = true;
    }

    private boolean dequeue(Waiter w) {
        synchronized (lock) {
            return queue.remove(w);
        }
    }

    private void take(String client) {
        runningTotal++;
        running.merge(client, 1, Integer::sum);
    }

    private void release(String client) {
        List<Waiter> granted = new ArrayList<>();
        synchronized (lock) {
            runningTotal--;
            running.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
            for (Iterator<Waiter> it = queue.iterator(); it.hasNext() && runningTotal < globalCap; ) {
                Waiter w = it.next();
                if (running.getOrDefault(w.client, 0) < perClientCap) {
                    it.remove();
                    take(w.client);
                    granted.add(w);
                }
            }
        }
        // Completed outside the lock: completion runs the waiter's continuation, which may start a run.
        for (Waiter w : granted) {
            Permit p = new Permit(w.client);
            if (!w.future.complete(p)) p.close();
        }
    }

    /**
     * The client's admission state now: its cap of runs at once, and how many it could start now without waiting
     * (its own free slots, bounded by the free global ones). For {@code want_quota} and the {@code RateLimit-*}
     * headers.
     */
    public dev.ato.protocol.Quota quota(String client) {
        synchronized (lock) {
            int own = perClientCap - running.getOrDefault(client, 0);
            int global = globalCap - runningTotal;
            return new dev.ato.protocol.Quota(perClientCap, Math.max(0, Math.min(own, global)));
        }
    }

    /** Runs holding a slot now. */
    public int inFlight() {
        synchronized (lock) {
            return runningTotal;
        }
    }

    /** Runs waiting for a slot now. */
    public int queued() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /** The global cap in force. */
    public int globalCap() {
        return globalCap;
    }
}
