package dev.ato.server.internal;

import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Notices connections whose client went away while a run goes, so the run can be killed within the poll period.
 *
 * <ul>
 *   <li>WebSocket: Helidon (4.5) ends a connection's thread when the peer's socket closes but tells no listener,
 *       so the watch polls the connection's thread ({@link #register}).
 *   <li>HTTP (v0): the handler's thread itself waits for the run, and Helidon reads nothing from the socket until
 *       the handler returns, so nothing in Java would notice a closed peer. The watch looks the connection up in
 *       the kernel's TCP table instead ({@link #registerTcp}): once the peer has sent FIN ({@code CLOSE_WAIT})
 *       or reset it (gone from the table), the client is gone. One table read per poll serves every such run.
 * </ul>
 */
public final class ConnectionWatch implements AutoCloseable {
    /** How often the connections are looked at. */
    static final long PERIOD_MS = 200;

    /** A watched connection. */
    public abstract sealed class Entry permits ThreadEntry, TcpEntry {
        private final Runnable onLost;

        private Entry(Runnable onLost) {
            this.onLost = onLost;
        }

        /** Stops watching (the connection closed normally, or the run ended). */
        public void remove() {
            entries.remove(this);
        }
    }

    private final class ThreadEntry extends Entry {
        private final Thread thread;

        private ThreadEntry(Thread thread, Runnable onLost) {
            super(onLost);
            this.thread = thread;
        }
    }

    private final class TcpEntry extends Entry {
        private final InetSocketAddress local;
        private final InetSocketAddress remote;

        private TcpEntry(InetSocketAddress local, InetSocketAddress remote, Runnable onLost) {
            super(onLost);
            this.local = local;
            this.remote = remote;
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
        Entry e = new ThreadEntry(connectionThread, onLost);
        entries.add(e);
        return e;
    }

    /**
     * Watches a TCP connection by its endpoints (the server's side first); {@code onLost} runs once when the peer
     * has closed or reset it. A client that half-closes (shuts down its sending side and waits for the reply)
     * counts as gone: HTTP clients do not do that, and the kernel cannot tell it apart from a close.
     */
    public Entry registerTcp(InetSocketAddress local, InetSocketAddress remote, Runnable onLost) {
        Entry e = new TcpEntry(local, remote, onLost);
        entries.add(e);
        return e;
    }

    private void poll() {
        TcpTable table = null;
        for (Entry e : entries) {
            boolean lost;
            if (e instanceof ThreadEntry t) {
                lost = !t.thread.isAlive();
            } else {
                TcpEntry t = (TcpEntry) e;
                if (table == null) table = TcpTable.read();
                lost = table.find(t.local, t.remote).map(s -> s.state() != TcpTable.ESTABLISHED).orElse(true);
            }
            if (lost && entries.remove(e)) {
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
