package dev.ato.server.internal;

import dev.ato.protocol.ClientMessage;
import dev.ato.protocol.CloseCodes;
import dev.ato.protocol.Done;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ProtocolCodec;
import dev.ato.protocol.ProtocolException;
import dev.ato.protocol.ProtocolLimits;
import dev.ato.protocol.RequestValidator;
import dev.ato.protocol.ServerMessage;
import dev.ato.sandbox.OutputStreamKind;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One WebSocket connection of {@code /api/v1/ws/execute}: ATO's v1 protocol. Messages are assembled from frames
 * here (capped at 64 KiB before anything is buffered past it); one run at a time, further requests ignored while
 * it goes; {@code "Kill"} ends it; output is sent from a virtual thread of the run, in order, Done last, so the
 * sandbox's thread never waits for a slow client.
 */
public final class ExecuteSocket implements WsListener {
    private static final System.Logger LOG = System.getLogger(ExecuteSocket.class.getName());

    private final RunService runs;
    private final ClientKeys keys;
    private final ConnectionWatch watch;
    private final Drain drain;

    // Touched only by the connection's own thread (Helidon calls a listener from one thread).
    private byte[] buffer = new byte[1024];
    private int buffered;
    private long messageSize;
    private volatile boolean closing;
    private List<String> forwardedFor = List.of();
    /** The client asked for the Done record's extensions ({@code ?extensions=1}); otherwise it gets ATO's fields. */
    private volatile boolean extensions;
    private String clientKey;
    private ConnectionWatch.Entry watchEntry;

    // The run going now (null when idle) and the completion of the previous run's sending.
    private volatile ActiveRun active;
    /** Whether this connection has started an interactive run (late Stdin/Eof are then ignored when idle). */
    private boolean interactiveUsed;
    /** Stdin bytes of one interactive run that may wait in the JVM for the program's pipe. */
    static final int MAX_PENDING_STDIN = ProtocolLimits.MAX_REQUEST_BYTES;
    private CompletableFuture<Void> lastSent = CompletableFuture.completedFuture(null);

    /** A listener for one connection; {@code drain} counts each run until its last message is sent. */
    public ExecuteSocket(RunService runs, ClientKeys keys, ConnectionWatch watch, Drain drain) {
        this.runs = runs;
        this.keys = keys;
        this.watch = watch;
        this.drain = drain;
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) {
        forwardedFor = headers.all(HeaderNames.X_FORWARDED_FOR, List::of);
        extensions = Extensions.requested(prologue.query());
        return Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
        clientKey = keys.keyFor(ClientKeys.address(session.socketContext().remotePeer().address()), forwardedFor);
        // Helidon calls onOpen on the connection's own thread; when the peer vanishes without a close frame that
        // thread ends and no callback says so, so the watch polls it to kill the run within a second.
        watchEntry = watch.register(Thread.currentThread(), this::connectionLost);
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (closing) return;
        close(session, CloseCodes.UNSUPPORTED_DATA, "expected a binary message");
    }

    @Override
    public void onMessage(WsSession session, BufferData data, boolean last) {
        if (closing) return;
        int n = data.available();
        messageSize += n;
        if (messageSize > ProtocolLimits.MAX_REQUEST_BYTES) {
            ProtocolException e = ProtocolException.tooLarge(messageSize, ProtocolLimits.MAX_REQUEST_BYTES);
            close(session, e.closeCode(), e.closeReason());
            return;
        }
        if (buffered + n > buffer.length) {
            buffer = java.util.Arrays.copyOf(buffer, Math.max(buffered + n, Math.min(buffer.length * 2,
                    ProtocolLimits.MAX_REQUEST_BYTES)));
        }
        data.read(buffer, buffered, n);
        buffered += n;
        if (!last) return;
        byte[] message = java.util.Arrays.copyOf(buffer, buffered);
        buffered = 0;
        messageSize = 0;
        if (buffer.length > 4096) buffer = new byte[1024];
        try {
            handle(session, message);
        } catch (RuntimeException | Error e) {
            // Anything unexpected is the server's fault: say so with 1011 rather than drop the connection.
            LOG.log(Level.ERROR, "internal error handling a request", e);
            close(session, CloseCodes.INTERNAL_ERROR, "internal error");
        }
    }

    private void handle(WsSession session, byte[] message) {
        ActiveRun current = active;
        if (current != null) {
            if (current.interactive) {
                control(session, current, message);
            } else if (ProtocolCodec.isKill(message)) {
                // ATO passes messages during a run to the sandbox, which heeds "Kill" and nothing else.
                current.execution().cancel();
            }
            return;
        }
        if (ProtocolCodec.isKill(message)) return;
        // Input typed while an interactive run was ending arrives after its Done: not a request, and no error.
        if (interactiveUsed && isStdinOrEof(message)) return;
        ExecuteRequest request;
        try {
            request = ProtocolCodec.decodeRequest(message);
            RequestValidator.validate(request, runs::languageExists);
        } catch (ProtocolException e) {
            close(session, e.closeCode(), e.closeReason());
            return;
        }
        if (request.interactive()) interactiveUsed = true;
        ActiveRun run = new ActiveRun(session, lastSent, request.interactive());
        lastSent = run.sent;
        active = run;
        try {
            run.execution = runs.submit(request, clientKey, run);
        } catch (RuntimeException e) {
            // Nothing was queued: end the run's sender and report (1008 for a request this host cannot run).
            active = null;
            run.outbox.add(Stop.INSTANCE);
            if (!(e instanceof ProtocolException pe)) throw e;
            close(session, pe.closeCode(), pe.closeReason());
        }
    }

    private static boolean isStdinOrEof(byte[] message) {
        try {
            return !(ProtocolCodec.decodeClientMessage(message) instanceof ClientMessage.Kill);
        } catch (ProtocolException e) {
            return false;
        }
    }

    /**
     * A message during an interactive run: Kill, Stdin or Eof; anything else closes with 1008. Stdin is handed to
     * the run at once, but when more than {@link #MAX_PENDING_STDIN} bytes are not yet in the program's pipe this
     * (the connection's reader) waits for them: a program that does not read stalls the client's sends through
     * TCP, and the JVM holds at most that much per connection.
     */
    private void control(WsSession session, ActiveRun current, byte[] message) {
        ClientMessage m;
        try {
            m = ProtocolCodec.decodeClientMessage(message);
        } catch (ProtocolException e) {
            close(session, e.closeCode(), e.closeReason());
            return;
        }
        RunService.Execution ex = current.execution();
        if (ex == null) return;
        switch (m) {
            case ClientMessage.Kill k -> ex.cancel();
            case ClientMessage.Eof e -> ex.closeStdin();
            case ClientMessage.Stdin in -> {
                byte[] data = in.data();
                current.pendingStdin.addAndGet(data.length);
                CompletableFuture<Void> written = ex.writeStdin(data)
                        .whenComplete((x, err) -> current.pendingStdin.addAndGet(-data.length));
                if (current.pendingStdin.get() > MAX_PENDING_STDIN) {
                    try {
                        written.join();
                    } catch (RuntimeException ended) {
                        // The run ended or stdin was closed: its Done tells the client.
                    }
                }
            }
        }
    }

    @Override
    public void onPing(WsSession session, BufferData data) {
        // RFC 6455 5.5.2: a ping is answered with its own payload (Helidon leaves this to the listener).
        try {
            session.pong(data);
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "pong failed: peer gone", e);
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        closing = true;
        cancelActive();
        if (watchEntry != null) watchEntry.remove();
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        LOG.log(Level.WARNING, "websocket error", t);
        cancelActive();
    }

    private void connectionLost() {
        closing = true;
        cancelActive();
    }

    private void cancelActive() {
        ActiveRun r = active;
        if (r != null && r.execution != null) r.execution.cancel();
    }

    private void close(WsSession session, int code, String reason) {
        closing = true;
        cancelActive();
        try {
            session.close(code, CloseCodes.truncateReason(reason));
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "close failed: peer gone", e);
        }
    }

    /** Marks the end of a run's outbox. */
    private enum Stop { INSTANCE }

    /** A run of this connection and its ordered outbox, drained by its own virtual thread. */
    private final class ActiveRun implements RunService.Sink {
        final WsSession session;
        final LinkedBlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
        final CompletableFuture<Void> sent = new CompletableFuture<>();
        final boolean interactive;
        final java.util.concurrent.atomic.AtomicLong pendingStdin = new java.util.concurrent.atomic.AtomicLong();
        volatile RunService.Execution execution;

        ActiveRun(WsSession session, CompletableFuture<Void> previous, boolean interactive) {
            this.session = session;
            this.interactive = interactive;
            drain.enter();
            Thread.ofVirtual().name("ato-ws-send").start(() -> {
                try {
                    // The previous run's Done may still be on its way out: never overtake it.
                    previous.join();
                    drain();
                } finally {
                    sent.complete(null);
                    drain.exit();
                }
            });
        }

        RunService.Execution execution() {
            return execution;
        }

        private void drain() {
            boolean broken = false;
            while (true) {
                Object m;
                try {
                    m = outbox.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (m == Stop.INSTANCE) return;
                if (broken) {
                    if (m instanceof LastDone || m instanceof Closing) return;
                    continue;
                }
                try {
                    if (m instanceof LastDone last) {
                        // Draining: this connection takes no further run. Set before the Done goes out, so that a
                        // request the client sends on receiving it is ignored; the close tells the client to send it
                        // again elsewhere (1013: it never started), instead of the stop cutting it off later.
                        boolean draining = drain.draining();
                        if (draining) closing = true;
                        session.send(BufferData.create(ProtocolCodec.encode(last.message())), true);
                        if (draining) {
                            session.close(CloseCodes.TRY_AGAIN_LATER, CloseCodes.truncateReason(
                                    "try again later: " + Admission.Refusal.SHUTTING_DOWN.text()));
                        }
                        return;
                    } else if (m instanceof ServerMessage sm) {
                        session.send(BufferData.create(ProtocolCodec.encode(sm)), true);
                    } else if (m instanceof Closing c) {
                        session.close(c.code, CloseCodes.truncateReason(c.reason));
                        return;
                    }
                } catch (RuntimeException e) {
                    // The peer is gone: end the run, drop the rest.
                    broken = true;
                    RunService.Execution ex = execution;
                    if (ex != null) ex.cancel();
                    LOG.log(Level.DEBUG, "send failed; run cancelled", e);
                    // The run's last message could not go out: nothing follows it, so this sender is done (waiting
                    // on would hold the drain, and this thread, for ever).
                    if (m instanceof LastDone || m instanceof Closing) return;
                }
            }
        }

        @Override
        public void output(OutputStreamKind stream, byte[] chunk) {
            outbox.add(stream == OutputStreamKind.STDOUT ? new ServerMessage.Stdout(chunk) : new ServerMessage.Stderr(chunk));
        }

        /** What this client sees of a Done: the server's own extras only when it asked ({@code ?extensions=1}). */
        private Done shown(Done done) {
            return extensions ? done : done.withoutServerExtras();
        }

        @Override
        public void finished(Done done, boolean last) {
            if (!last) {
                outbox.add(new ServerMessage.Finished(shown(done)));
                return;
            }
            // Idle again before Done is queued: a client may send its next request the moment Done arrives.
            active = null;
            outbox.add(new LastDone(new ServerMessage.Finished(shown(done))));
        }

        @Override
        public void refused(Admission.Refusal why) {
            active = null;
            closing = true;
            outbox.add(new Closing(CloseCodes.TRY_AGAIN_LATER, "try again later: " + why.text()));
        }

        @Override
        public void failed(Throwable error) {
            LOG.log(Level.ERROR, "internal error during a run", error);
            active = null;
            closing = true;
            outbox.add(new Closing(CloseCodes.INTERNAL_ERROR, "internal error"));
        }
    }

    private record Closing(int code, String reason) { }

    /** The Done that ends the run (or the batch's last case): the sender stops after it. */
    private record LastDone(ServerMessage.Finished message) { }
}
