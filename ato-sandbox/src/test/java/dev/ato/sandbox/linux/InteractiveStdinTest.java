package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.OutputStreamKind;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunResult;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.StatusType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A streaming stdin ({@link RunSpec.Builder#interactiveStdin}) against the real kernel: the program reads what is
 * written while it runs, sees end of file after {@link Run#closeStdin}, a program that does not read holds the
 * writer's futures (back-pressure, no buffering), and the end of the run fails what is pending.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@Tag("kernel")
class InteractiveStdinTest {
    static final SandboxConfig CONFIG = SandboxConfig.builder().stateDir(Path.of("/run/ato-test-stdin"))
            .cgroupName("ato-test-stdin").idBase(300000, 300000)
                .clientLimits(4L << 30, 1024).build();
    @RegisterExtension
    static final SandboxFixture FIXTURE = new SandboxFixture(CONFIG);

    /** Output as it arrives, so a test can wait for the program's answer to what it sent. */
    static final class Output {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        synchronized void add(OutputStreamKind kind, byte[] chunk) {
            if (kind == OutputStreamKind.STDOUT) out.writeBytes(chunk);
            notifyAll();
        }

        synchronized String text() {
            return out.toString(StandardCharsets.UTF_8);
        }

        synchronized void await(String expected) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!out.toString(StandardCharsets.UTF_8).contains(expected)) {
                long left = until - System.nanoTime();
                assertThat(left).as("waiting for %s in %s", expected, out).isPositive();
                wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private static Run interactive(String input, String script, Output out) {
        return FIXTURE.sandbox.start(RunSpec.builder().interactiveStdin(true).input(input).runnerScript(script)
                .timeout(Duration.ofSeconds(30)).build(), out::add);
    }

    @Test
    void theProgramReadsEachLineAsItIsSentAndEndOfFileAfterClose() throws Exception {
        Output out = new Output();
        Run run = interactive("first\n", "while read -r l; do echo \"got $l\"; done < /ATO/input; echo end", out);
        out.await("got first\n");
        run.writeStdin("second\n".getBytes()).get(10, TimeUnit.SECONDS);
        out.await("got second\n");
        assertThat(out.text()).doesNotContain("end");
        run.closeStdin();
        RunResult r = run.result().get(20, TimeUnit.SECONDS);
        assertThat(out.text()).isEqualTo("got first\ngot second\nend\n");
        assertThat(r.statusType()).isEqualTo(StatusType.EXITED);
        assertThat(r.statusValue()).isZero();
        assertThatThrownBy(() -> run.writeStdin(new byte[] {1}).join()).isInstanceOf(CompletionException.class);
    }

    @Test
    void endOfFileBeforeTheRunnerOpensItsInputDoesNotHang() throws Exception {
        // A FIFO would block the runner's open forever once the writer is gone; the reopened pipe does not.
        Output out = new Output();
        Run run = interactive("all of it", "sleep 0.3; cat < /ATO/input; cat /dev/stdin; echo .", out);
        run.closeStdin();
        RunResult r = run.result().get(20, TimeUnit.SECONDS);
        assertThat(out.text()).isEqualTo("all of it.\n");
        assertThat(r.timedOut()).isFalse();
        assertThat(r.statusValue()).isZero();
    }

    @Test
    void aProgramThatDoesNotReadStallsTheWriterInsteadOfGrowingABuffer() throws Exception {
        Output out = new Output();
        Run run = interactive("", "echo ready; sleep 30", out);
        out.await("ready");
        byte[] chunk = new byte[16 * 1024];
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 32; i++) writes.add(run.writeStdin(chunk)); // 512 KiB, eight times the pipe
        Thread.sleep(1000);
        long written = writes.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
        // The pipe holds 64 KiB (four chunks); what does not fit stays with the caller, pending.
        assertThat(written).isBetween(1L, 5L);
        assertThat(writes.getLast()).isNotDone();
        run.kill();
        RunResult r = run.result().get(20, TimeUnit.SECONDS);
        assertThat(r.statusType()).isEqualTo(StatusType.KILLED);
        for (CompletableFuture<Void> w : writes.subList((int) written, writes.size())) {
            assertThatThrownBy(() -> w.get(10, TimeUnit.SECONDS)).hasMessageContaining("the");
        }
    }

    @Test
    void withoutInteractiveStdinNothingChanges() throws Exception {
        Run run = FIXTURE.sandbox.start(RunSpec.builder().input("file input").runnerScript("cat < /ATO/input; test -f /ATO/input && echo ' file'")
                .build(), (k, c) -> { });
        assertThat(run.result().get(20, TimeUnit.SECONDS).statusValue()).isZero();
        assertThatThrownBy(() -> run.writeStdin(new byte[1])).isInstanceOf(IllegalStateException.class);
    }
}
