package dev.ato.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    @Test
    void grantsAtOnceUnderBothCaps() {
        Admission a = new Admission(2, 2, 1, Duration.ofSeconds(5), timers);
        assertThat(a.acquire("x")).isCompleted();
        assertThat(a.acquire("y")).isCompleted();
        assertThat(a.inFlight()).isEqualTo(2);
    }

    @Test
    void waiterIsGrantedWhenASlotFrees() throws Exception {
        Admission a = new Admission(1, 1, 1, Duration.ofSeconds(5), timers);
        Admission.Permit first = a.acquire("x").get();
        CompletableFuture<Admission.Permit> second = a.acquire("y");
        assertThat(second).isNotDone();
        assertThat(a.queued()).isEqualTo(1);
        first.close();
        assertThat(second.get(1, TimeUnit.SECONDS)).isNotNull();
        assertThat(a.queued()).isZero();
        assertThat(a.inFlight()).isEqualTo(1);
    }

    @Test
    void refusesWhenTheQueueIsFull() {
        Admission a = new Admission(1, 1, 1, Duration.ofSeconds(5), timers);
        a.acquire("x");
        a.acquire("y");
        CompletableFuture<Admission.Permit> third = a.acquire("z");
        assertThatThrownBy(third::get).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(Admission.RefusedException.class);
        assertThat(((Admission.RefusedException) third.handle((p, e) -> e).join()).refusal())
                .isEqualTo(Admission.Refusal.QUEUE_FULL);
    }

    @Test
    void refusesWhenTheWaitPassesAndLeavesTheQueue() throws Exception {
        Admission a = new Admission(1, 1, 4, Duration.ofMillis(100), timers);
        a.acquire("x");
        CompletableFuture<Admission.Permit> waiting = a.acquire("y");
        Throwable e = waiting.handle((p, t) -> t).get(2, TimeUnit.SECONDS);
        assertThat(((Admission.RefusedException) e).refusal()).isEqualTo(Admission.Refusal.WAIT_EXPIRED);
        assertThat(a.queued()).isZero();
    }

    @Test
    void clientAtItsCapDoesNotHoldUpTheClientsBehindIt() throws Exception {
        Admission a = new Admission(3, 1, 4, Duration.ofSeconds(5), timers);
        Admission.Permit x1 = a.acquire("x").get();
        CompletableFuture<Admission.Permit> x2 = a.acquire("x");
        CompletableFuture<Admission.Permit> y1 = a.acquire("y");
        assertThat(x2).isNotDone();
        assertThat(y1).isCompleted();
        x1.close();
        assertThat(x2.get(1, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void cancelledWaiterLeavesTheQueueAndReleaseIsIdempotent() throws Exception {
        Admission a = new Admission(1, 1, 4, Duration.ofSeconds(5), timers);
        Admission.Permit p = a.acquire("x").get();
        CompletableFuture<Admission.Permit> w = a.acquire("y");
        w.cancel(false);
        assertThat(a.queued()).isZero();
        p.close();
        p.close();
        assertThat(a.inFlight()).isZero();
        assertThat(a.acquire("z")).isCompleted();
    }
}
