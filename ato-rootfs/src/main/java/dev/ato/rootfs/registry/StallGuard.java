package dev.ato.rootfs.registry;

import dev.ato.rootfs.layer.InputStreams;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a response body that has delivered nothing for a while. java.net.http's timeout covers only the
 * wait for the response headers; a registry (or a proxy) that stops sending mid-blob would otherwise hold a
 * pull forever. Closing the stream makes the blocked read fail, and the pull's retry takes over.
 */
final class StallGuard extends FilterInputStream {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ato-registry-stall-guard");
        t.setDaemon(true);
        return t;
    });

    private final long limitNanos;
    private final ScheduledFuture<?> check;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean stalled;

    StallGuard(InputStream in, Duration limit) {
        super(in);
        this.limitNanos = limit.toNanos();
        long period = Math.max(50, Math.min(5000, limit.toMillis() / 4));
        this.check = TIMER.scheduleAtFixedRate(this::checkStall, period, period, TimeUnit.MILLISECONDS);
    }

    private void checkStall() {
        if (System.nanoTime() - lastProgress > limitNanos) {
            stalled = true;
            check.cancel(false);
            try {
                in.close();
            } catch (IOException ignored) {
                // The reader sees the failure either way.
            }
        }
    }

    @Override
    public int read() throws IOException {
        return InputStreams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = super.read(b, off, len);
        } catch (IOException e) {
            if (stalled) throw new IOException("no data for " + Duration.ofNanos(limitNanos).toSeconds() + " s; connection closed", e);
            throw e;
        }
        if (stalled) throw new IOException("no data for " + Duration.ofNanos(limitNanos).toSeconds() + " s; connection closed");
        lastProgress = System.nanoTime();
        if (n < 0) check.cancel(false);
        return n;
    }

    @Override
    public void close() throws IOException {
        check.cancel(false);
        super.close();
    }
}
