package dev.ato.sandbox.linux;

import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.Namespaces;
import dev.ato.sandbox.nativeaccess.Sys;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A few fresh network namespaces, made ahead of time by one background thread, each with {@code lo} up.
 *
 * <p>Why: making a network namespace is the single most expensive step of a run's setup (0.3-0.4 ms here:
 * the kernel registers a loopback device and per-namespace tables), and it does not depend on the run.
 * Each namespace is handed out once and never reused, so nothing one run did to its network (sockets,
 * routes, sysctls) can reach another run. When the pool is empty, a run simply makes its own.
 */
final class NetnsPool implements AutoCloseable {
    private static final int CAPACITY = 4;

    private final BlockingQueue<Integer> ready = new ArrayBlockingQueue<>(CAPACITY);
    private final int hostNet;
    private final Thread filler;
    private volatile boolean closed;

    /** @param hostNet a descriptor of the host's network namespace, which the filler returns to after each one */
    NetnsPool(int hostNet) {
        this.hostNet = hostNet;
        this.filler = Thread.ofPlatform().name("ato-netns").daemon(true).unstarted(this::fill);
    }

    void start() {
        filler.start();
    }

    /** A fresh namespace's descriptor (the caller owns and closes it), or -1 when none is ready. */
    int take() {
        Integer fd = ready.poll();
        return fd == null ? -1 : fd;
    }

    private void fill() {
        try {
            while (!closed) {
                int fd = make();
                if (fd < 0) return;
                try {
                    ready.put(fd);
                } catch (InterruptedException e) {
                    Sys.closeQuietly(fd);
                    return;
                }
                if (closed) drain();
            }
        } catch (RuntimeException e) {
            // The pool is an optimisation: without it every run makes its own namespace.
        }
    }

    /** Makes one namespace on this thread and comes back to the host's; -1 if coming back failed. */
    private int make() {
        Namespaces.unshare(LibC.CLONE_NEWNET);
        int fd = -1;
        RuntimeException failure = null;
        try {
            Namespaces.readyNetwork();
            fd = Sys.openNamespace("/proc/thread-self/ns/net");
        } catch (RuntimeException e) {
            failure = e;
        }
        if (Namespaces.trySetns(hostNet, LibC.CLONE_NEWNET) != 0) {
            // Stranded in a private network namespace: this thread makes no more and ends.
            Sys.closeQuietly(fd);
            closed = true;
            return -1;
        }
        if (failure != null) throw failure;
        return fd;
    }

    private void drain() {
        for (Integer fd; (fd = ready.poll()) != null; ) Sys.closeQuietly(fd);
    }

    @Override
    public void close() {
        closed = true;
        filler.interrupt();
        try {
            filler.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        drain();
    }
}
