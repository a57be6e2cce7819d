package dev.ato.server.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Notices WebSocket connections that ended without a close frame. Helidon (4.5) ends a connection's thread when
 * the peer's socket closes but tells no listener, so the watch polls each connection's thread and runs the
 * connection's callback once it is gone: a run whose client went away is killed within the poll period.
 */
public final class ConnectionWatch implements AutoCloseable {
    /** How often the threads are looked at. */
    static final long PERIOD_MS = 200;

    /** A watched connection. */
    public final class Entry {
        private final Thread thread;
        private final Runnable onLost;

        private Entry(Thread thread, Runnable onLost) {
            this.thread = thread;
            this.onLost = onLost;
        }

        /** Stops watching (the connection closed normally). */
        public void remove() {
            entries.remove(this);
        }
    }

    private final Set<Entry> entries = ConcurrentHashMap.newKeySet();
    private final ScheduledFuture<?> task;

    /** Starts polling on the given scheduler. */
    public ConnectionWatch(ScheduledExecutorService scheduler) {
        this.task = scheduler.scheduleWithFixedDelay(this::poll, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** Watches a connection's thread; {@code onLost} runs once when it has ended. */
    public Entry register(Thread connectionThread, Runnable onLost) {
        Entry e = new Entry(connectionThread, onLost);
        entries.add(e);
        return e;
    }

    private void poll() {
        for (Entry e : entries) {
            if (!e.thread.isAlive() && entries.remove(e)) {
                try {
                    e.onLost.run();
                } catch (RuntimeException ex) {
                    System.getLogger(ConnectionWatch.class.getName()).log(System.Logger.Level.WARNING,
                            "connection-lost callback failed", ex);
                }
            }
        }
    }

    /** Connections watched now. */
    public int size() {
        return entries.size();
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
