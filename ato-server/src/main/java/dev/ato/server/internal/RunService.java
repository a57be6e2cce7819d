package dev.ato.server.internal;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.protocol.Done;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ProtocolException;
import dev.ato.protocol.StatusType;
import dev.ato.protocol.TestCase;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.Limits;
import dev.ato.sandbox.OutputStreamKind;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunResult;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.server.ImageResolver;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns a validated request into a sandbox run: language to image and runner, admission, start, result to
 * {@link Done}, metrics, and the one log line per run (client key, language, outcome, time; never the code).
 * Shared by the WebSocket and the v0 API.
 */
public final class RunService {
    private static final System.Logger LOG = System.getLogger("dev.ato.server.runs");

    /** Where a run's output and end go. Calls for one run never overlap. */
    public interface Sink {
        /** A chunk of output, called on the sandbox's thread: must not block. */
        void output(OutputStreamKind stream, byte[] chunk);

        /**
         * A run ended (or was cancelled before it started); for a test-case batch once per case, each Done with its
         * {@code case} index. The call with {@code last} true is the last call.
         */
        void finished(Done done, boolean last);

        /** Admission refused the run (or the batch's next case); it never started; last call. */
        void refused(Admission.Refusal why);

        /** The sandbox failed; last call. */
        void failed(Throwable error);
    }

    /**
     * A submitted run, or test-case batch (one run per case, in order, each admitted and started when the one
     * before has ended), waiting or going.
     */
    public final class Execution {
        private final String clientKey;
        private final String language;
        private final Sink sink;
        private final List<RunSpec> specs;
        private final boolean batch;
        private final boolean wantQuota;
        /** The request's output_limit, cut exactly; -1 for ATO's own limit, where whole reads pass (see start). */
        private long outputCap = -1;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final CompletableFuture<Run> started = new CompletableFuture<>();
        private final Object writeLock = new Object();
        private CompletableFuture<Void> lastWrite = CompletableFuture.completedFuture(null);
        private volatile long startNanos = System.nanoTime();
        private volatile int index;
        private volatile boolean ended;
        private volatile CompletableFuture<Admission.Permit> permit;
        private volatile Run run;

        private Execution(String clientKey, String language, Sink sink, List<RunSpec> specs, boolean batch,
                boolean wantQuota) {
            this.clientKey = clientKey;
            this.language = language;
            this.sink = sink;
            this.specs = specs;
            this.batch = batch;
            this.wantQuota = wantQuota;
        }

        /**
         * Ends the run at once: kills it when it has started, or takes it out of the queue (it then finishes
         * as killed by SIGKILL, never having run). In a batch, the cases after it are not run and finish the
         * same way. Idempotent.
         */
        public void cancel() {
            if (!cancelled.compareAndSet(false, true)) return;
            started.completeExceptionally(new IllegalStateException("the run was cancelled"));
            Run r = run;
            if (r != null) {
                r.kill();
                return;
            }
            CompletableFuture<Admission.Permit> p = permit;
            if (p != null && p.cancel(false)) {
                String line = end(ServerMetrics.Outcome.CANCELLED, "cancelled while queued");
                skipFrom(index);
                log(line);
            }
        }

        /** Whether {@link #cancel()} was called. */
        public boolean isCancelled() {
            return cancelled.get();
        }

        /**
         * Feeds an interactive run's stdin, after everything written before (also before the run started).
         * Completes when the bytes are in the program's pipe; fails when the run ended first.
         */
        public CompletableFuture<Void> writeStdin(byte[] data) {
            synchronized (writeLock) {
                CompletableFuture<Void> next = lastWrite.thenCompose(x -> started).thenCompose(r -> r.writeStdin(data));
                lastWrite = next;
                return next;
            }
        }

        /** Closes an interactive run's stdin after everything written before. */
        public void closeStdin() {
            synchronized (writeLock) {
                lastWrite = lastWrite.thenCompose(x -> started).thenAccept(Run::closeStdin);
            }
        }

        /** Every case from {@code from} on ends as killed, never having run. */
        private void skipFrom(int from) {
            for (int i = from; i < specs.size(); i++) {
                finish(Done.builder(StatusType.KILLED, 9).real(i == from ? System.nanoTime() - startNanos : 0)
                        .build(), i);
            }
        }

        /** Hands a case's Done to the sink with the extras the request asked for. */
        private void finish(Done done, int i) {
            Done d = batch ? done.withCaseIndex(i) : done;
            if (wantQuota) d = d.withQuota(admission.quota(clientKey));
            sink.finished(d, i == specs.size() - 1);
        }

        /** Counts the case; returns the line to log (after the client has been told), or null when counted already. */
        private String end(ServerMetrics.Outcome outcome, String detail) {
            if (ended) return null;
            ended = true;
            long nanos = System.nanoTime() - startNanos;
            metrics.outcome(outcome);
            if (outcome != ServerMetrics.Outcome.REFUSED) metrics.latency(nanos);
            return "run client=" + clientKey + " language=" + language + (batch ? " case=" + index : "")
                    + " outcome=" + outcome.label() + " " + detail
                    + " time=" + String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6) + "ms";
        }
    }

    private final Sandbox sandbox;
    private final LanguageCatalog catalog;
    private final ImageResolver images;
    private final Admission admission;
    private final ServerMetrics metrics;
    private final Limits limits;

    /** Wires the pieces; nothing starts until {@link #submit}. */
    public RunService(Sandbox sandbox, LanguageCatalog catalog, ImageResolver images, Admission admission,
            ServerMetrics metrics, Limits limits) {
        this.sandbox = sandbox;
        this.catalog = catalog;
        this.images = images;
        this.admission = admission;
        this.metrics = metrics;
        this.limits = limits;
    }

    /** The client's admission state now (want_quota, RateLimit-* headers). */
    public dev.ato.protocol.Quota quota(String clientKey) {
        return admission.quota(clientKey);
    }

    /** Whether the catalog has this language (the validator's predicate). */
    public boolean languageExists(String id) {
        return catalog.find(id).isPresent();
    }

    /**
     * Queues a validated request. Returns at once; the sink hears the rest.
     *
     * @throws ProtocolException when the language's image is not available on this host (1008)
     */
    public Execution submit(ExecuteRequest request, String clientKey, Sink sink) {
        Language lang = catalog.find(request.language())
                .orElseThrow(() -> new ProtocolException("no such language: " + request.language()));
        Optional<Image> image = images.resolve(lang);
        if (image.isEmpty()) {
            throw new ProtocolException("language " + lang.id() + " is not installed on this server (image "
                    + lang.image() + " missing)");
        }
        Limits runLimits = request.outputLimit().isPresent()
                ? limits.withOutputBytes(Math.min(limits.outputBytes(), request.outputLimit().getAsInt())) : limits;
        List<TestCase> cases = request.cases().isEmpty()
                ? List.of(new TestCase(request.input(), request.arguments())) : request.cases();
        List<RunSpec> specs = new ArrayList<>(cases.size());
        for (TestCase c : cases) {
            specs.add(RunSpec.builder()
                    .image(image.get())
                    .runnerScript(request.customRunner().orElseGet(lang::runner))
                    .code(request.code())
                    .input(c.input())
                    .arguments(c.arguments())
                    .options(request.options())
                    .limits(runLimits)
                    .timeout(Duration.ofSeconds(Math.min(request.timeout(), limits.timeout().toSeconds())))
                    .clientKey(clientKey)
                    .interactiveStdin(request.interactive())
                    .build());
        }
        Execution ex = new Execution(clientKey, lang.id(), sink, specs, !request.cases().isEmpty(),
                request.wantQuota());
        if (request.outputLimit().isPresent()) ex.outputCap = runLimits.outputBytes();
        admit(ex, 0);
        return ex;
    }

    /** Asks admission for case {@code i}'s slot, and starts it when granted. */
    private void admit(Execution ex, int i) {
        ex.index = i;
        ex.ended = false;
        ex.startNanos = System.nanoTime();
        if (ex.isCancelled()) {
            ex.skipFrom(i);
            return;
        }
        CompletableFuture<Admission.Permit> permit = admission.acquire(ex.clientKey);
        ex.permit = permit;
        permit.whenComplete((p, error) -> {
            if (error != null) {
                if (unwrap(error) instanceof Admission.RefusedException r) {
                    ex.started.completeExceptionally(r);
                    String line = ex.end(ServerMetrics.Outcome.REFUSED, r.refusal().text());
                    ex.sink.refused(r.refusal());
                    log(line);
                }
                // Cancellation: cancel() has reported it already.
                return;
            }
            start(ex, i, p);
        });
        // A cancel() between the check above and ex.permit's assignment found nothing to cancel.
        if (ex.isCancelled() && permit.cancel(false)) {
            String line = ex.end(ServerMetrics.Outcome.CANCELLED, "cancelled while queued");
            ex.skipFrom(i);
            log(line);
        }
    }

    private void start(Execution ex, int i, Admission.Permit permit) {
        Run run;
        try {
            run = sandbox.start(ex.specs.get(i), ex.outputCap < 0 ? ex.sink::output : capped(ex.sink, ex.outputCap));
        } catch (RuntimeException e) {
            permit.close();
            ex.started.completeExceptionally(e);
            String line = ex.end(ServerMetrics.Outcome.ERROR, "sandbox failed to start: " + e.getMessage());
            ex.sink.failed(e);
            log(line);
            return;
        }
        ex.run = run;
        ex.started.complete(run);
        // A cancel() that came between admission and here found no run to kill.
        if (ex.isCancelled()) run.kill();
        run.result().whenComplete((result, error) -> {
            permit.close();
            ex.run = null;
            if (error != null) {
                Throwable cause = unwrap(error);
                LOG.log(Level.ERROR, "run " + run.id() + " failed in the sandbox", cause);
                String line = ex.end(ServerMetrics.Outcome.ERROR, "sandbox error: " + cause.getMessage());
                ex.sink.failed(cause);
                log(line);
                return;
            }
            metrics.flags(result.oomKilled(), result.stdoutTruncated(), result.stderrTruncated());
            String line = ex.end(outcome(result, ex.isCancelled()), result.statusType().wireName() + ":" + result.statusValue());
            ex.finish(toDone(result), i);
            log(line);
            if (i + 1 < ex.specs.size()) admit(ex, i + 1);
        });
    }

    /**
     * A run's output cut at exactly {@code cap} bytes per stream. The sandbox follows ATO's rule (each read whole,
     * up to the one that passes the limit), which is what ATO's clients expect at ATO's 128 KiB; a client that sets
     * {@code output_limit} asked for a cap, so the read that passes it is trimmed here. Called on the run's thread.
     */
    private static dev.ato.sandbox.OutputListener capped(Sink sink, long cap) {
        long[] sent = new long[2];
        return (stream, chunk) -> {
            int s = stream == OutputStreamKind.STDOUT ? 0 : 1;
            long room = cap - sent[s];
            if (room <= 0) return;
            byte[] part = chunk.length <= room ? chunk : java.util.Arrays.copyOf(chunk, (int) room);
            sent[s] += part.length;
            sink.output(stream, part);
        };
    }

    /** The error a dependent stage saw, without the {@link CompletionException} it arrives wrapped in. */
    private static Throwable unwrap(Throwable error) {
        return error instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : error;
    }

    /** Logged after the sink heard the end: the Done record is not held up by the log's I/O. */
    private static void log(String line) {
        if (line != null) LOG.log(Level.INFO, line);
    }

    private static ServerMetrics.Outcome outcome(RunResult r, boolean cancelled) {
        if (r.timedOut()) return ServerMetrics.Outcome.TIMED_OUT;
        if (cancelled) return ServerMetrics.Outcome.CANCELLED;
        if (r.succeeded()) return ServerMetrics.Outcome.SUCCESS;
        return switch (r.statusType()) {
            case EXITED -> ServerMetrics.Outcome.FAILURE;
            case KILLED, CORE_DUMPED -> ServerMetrics.Outcome.KILLED;
            case UNKNOWN -> ServerMetrics.Outcome.ERROR;
        };
    }

    /** The wire record of a sandbox result. */
    public static Done toDone(RunResult r) {
        StatusType type = StatusType.fromWire(r.statusType().wireName()).orElseThrow();
        return Done.builder(type, r.statusValue()).timedOut(r.timedOut())
                .stdoutTruncated(r.stdoutTruncated()).stderrTruncated(r.stderrTruncated()).real(r.realNanos())
                .kernel(r.kernelNanos()).user(r.userNanos()).maxMem(r.maxMemKib()).waits(r.waits())
                .preemptions(r.preemptions()).majorPageFaults(r.majorPageFaults())
                .minorPageFaults(r.minorPageFaults()).inputOps(r.inputOps()).outputOps(r.outputOps())
                .oomKilled(r.oomKilled()).cgroupMaxMem(r.cgroupPeakKib()).build();
    }
}
