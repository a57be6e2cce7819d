package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

/** Polling for a condition the server reaches on its own threads. */
final class Await {
    private Await() { }

    /** A condition to poll; it may read files (e.g. /proc). */
    @FunctionalInterface
    interface Condition {
        boolean holds() throws Exception;
    }

    /** Polls {@code condition} every 20 ms; fails, naming {@code what}, when it is still false after {@code max}. */
    static void until(String what, Duration max, Condition condition) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.holds()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
