package dev.ato.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client for ATO's API, on {@code java.net.http} only.
 *
 * <p>v1: {@link #connect(URI)} opens a WebSocket to {@code /api/v1/ws/execute}; {@link #execute} sends a request
 * and streams the output to a {@link RunListener}, completing its future with the run's {@link Done};
 * {@link #run} does the same and gathers the output. Runs on one client are sequential and reuse the
 * connection; when the server has closed it (after an invalid request, say) the next run reconnects. If the
 * server closes during a run, the run fails with {@link AtoClientException.ServerClosed} carrying the code and
 * reason. Messages split over several WebSocket frames are assembled, up to
 * {@link ProtocolLimits#MAX_SERVER_MESSAGE_BYTES}.
 *
 * <p>v0: {@link #executeV0(URI, ExecuteRequest)} and {@link #metadataV0(URI)}, one HTTP call each.
 *
 * <p>A client is thread-safe; {@link #close()} it when done.
 *
 * <p>Its size (about 800 lines) is the whole client API (v1 streaming, v0, connection reuse and reassembly) behind
 * one public type a Java client needs; the parts are private nested classes.
 */
public final class AtoClient implements AutoCloseable {
    /** The path of ATO's streaming API. */
    public static final String WS_PATH = "/api/v1/ws/execute";
    /** The path of ATO's one-shot API. */
    public static final String V0_EXECUTE_PATH = "/api/v0/execute";
    /** The path of ATO's language list. */
    public static final String V0_METADATA_PATH = "/api/v0/metadata";
    /** ATO documents no content type for v0; this names msgpack plainly, and ATO's server ignores it. */
    public static final String MSGPACK_CONTENT_TYPE = "application/msgpack";
    /** The most output {@link #run} gathers before failing the run. */
    public static final int MAX_GATHERED_BYTES = 64 * 1024 * 1024;

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final URI uri;
    private final Duration connectTimeout;
    private final Duration replyGrace;
    private final int maxMessageBytes;
    private final ExecutorService executor;
    private final ScheduledExecutorService timer;
    private final HttpClient http;

    private final Object lock = new Object();
    private Connection connection;
    private Run current;
    private boolean closed;

    private AtoClient(Builder b) {
        this.uri = wsUri(b.base);
        this.connectTimeout = b.connectTimeout;
        this.replyGrace = b.replyGrace;
        this.maxMessageBytes = b.maxMessageBytes;
        this.executor = Executors.newCachedThreadPool(daemon("ato-client"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("ato-client-timer"));
        HttpClient.Builder hb = HttpClient.newBuilder().executor(executor).connectTimeout(connectTimeout);
        if (b.localAddress != null) {
            hb.localAddress(b.localAddress);
        }
        this.http = hb.build();
    }

    /**
     * Connects to an ATO server with default settings.
     *
     * @param base the server, e.g. {@code ws://127.0.0.1:8500}, {@code https://ato.example} (the WebSocket path
     *     is added unless the URI already ends with it)
     * @return the connected client
     * @throws AtoClientException when the connection cannot be made
     */
    public static AtoClient connect(URI base) {
        return builder(base).connect();
    }

    /**
     * A builder to set timeouts and limits before connecting.
     *
     * @param base the server
     * @return a new builder
     */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /**
     * The WebSocket URI this client talks to.
     *
     * @return the URI
     */
    public URI uri() {
        return uri;
    }

    /**
     * Starts a run. The request is sent as is; the server validates it, and an invalid one fails the returned
     * future with {@link AtoClientException.ServerClosed} (code 1008, reason {@code invalid request: ...}).
     *
     * @param request the run
     * @param listener receives the output chunks
     * @return completes with the run's {@code Done}, or exceptionally with an {@link AtoClientException}
     *     (also when no {@code Done} arrives within the request's timeout plus the reply grace)
     * @throws IllegalStateException when the client is closed or a run is in progress
     * @throws AtoClientException when a connection cannot be made
     */
    public CompletableFuture<Done> execute(ExecuteRequest request, RunListener listener) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        byte[] bytes = ProtocolCodec.encodeRequest(request);
        Run run;
        Connection c;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the client is closed");
            }
            if (current != null && !current.future.isDone()) {
                throw new IllegalStateException("a run is already in progress on this connection");
            }
            c = connection;
            if (c == null || c.dead) {
                c = open();
                connection = c;
            }
            run = new Run(listener, Math.max(1, request.cases().size()));
            current = run;
            c.run = run;
            long seconds = Math.max(request.timeout(), 0) * (long) run.remaining + replyGrace.toSeconds();
            Connection conn = c;
            run.deadline = timer.schedule(() -> conn.fail(run,
                    new AtoClientException("no Done from " + uri + " within " + seconds + " s"), true),
                    seconds, TimeUnit.SECONDS);
        }
        Connection sender = c;
        sender.send(bytes).whenComplete((ws, err) -> {
            if (err != null) {
                sender.fail(run, new AtoClientException("sending the request to " + uri + " failed", unwrap(err)),
                        true);
            }
        });
        return run.future;
    }

    /**
     * Runs a request to the end and gathers its output.
     *
     * @param request the run
     * @return the output and the {@code Done}
     * @throws AtoClientException when the run fails (see {@link #execute})
     */
    public Result run(ExecuteRequest request) {
        return runCases(request).getLast();
    }

    /**
     * Beyond ATO: runs a test-case batch (a request with {@code cases}) to the end and gathers each case's output;
     * for a request without cases, its one run.
     *
     * @param request the run
     * @return one result per case, in order (each Done carries its {@code case} index)
     * @throws AtoClientException when the run fails (see {@link #execute})
     */
    public List<Result> runCases(ExecuteRequest request) {
        Gatherer gather = new Gatherer();
        await(execute(request, gather));
        // The listener ran on another thread; the future's completion orders its writes before this read.
        return gather.results;
    }

    /** Collects output per run (or case) for {@link #runCases} and {@link #executeV1}, capped in total. */
    static final class Gatherer implements RunListener {
        final List<Result> results = new ArrayList<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private long total;

        @Override
        public void onStdout(byte[] chunk) {
            add(out, chunk);
        }

        @Override
        public void onStderr(byte[] chunk) {
            add(err, chunk);
        }

        @Override
        public void onDone(Done done) {
            results.add(new Result(out.toByteArray(), err.toByteArray(), done));
            out.reset();
            err.reset();
        }

        private void add(ByteArrayOutputStream to, byte[] chunk) {
            total += chunk.length;
            if (total > MAX_GATHERED_BYTES) {
                throw new AtoClientException("the run's output exceeds " + MAX_GATHERED_BYTES + " bytes");
            }
            to.writeBytes(chunk);
        }
    }

    /**
     * Beyond ATO: sends bytes to the standard input of the interactive run in progress ({@code {"Stdin": bin}};
     * the request had {@code interactive: true}). The server stops reading the connection while the program does
     * not read, so a future that stays incomplete is the program's back-pressure.
     *
     * @param data at most 64 KiB less a few bytes of framing
     * @return completes when the message has been handed to the connection
     * @throws IllegalStateException when no run is in progress
     */
    public CompletableFuture<Void> sendStdin(byte[] data) {
        return sendControl(ProtocolCodec.encodeStdin(data));
    }

    /**
     * Beyond ATO: closes the standard input of the interactive run in progress ({@code "Eof"}), after everything
     * sent before it.
     *
     * @return completes when the message has been handed to the connection
     * @throws IllegalStateException when no run is in progress
     */
    public CompletableFuture<Void> sendEof() {
        return sendControl(ProtocolCodec.encodeEof());
    }

    private CompletableFuture<Void> sendControl(byte[] message) {
        Connection c;
        synchronized (lock) {
            if (current == null || current.future.isDone() || connection == null || connection.dead) {
                throw new IllegalStateException("no run in progress");
            }
            c = connection;
        }
        return c.send(message).thenApply(ws -> null);
    }

    private static Done await(CompletableFuture<Done> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new AtoClientException("run failed", cause);
        }
    }

    /**
     * Asks the server to stop the current run (ATO's {@code "Kill"} message). The run's future then completes
     * with the {@code Done} the server sends. Does nothing when no run is in progress.
     */
    public void kill() {
        Connection c;
        synchronized (lock) {
            if (current == null || current.future.isDone() || connection == null || connection.dead) {
                return;
            }
            c = connection;
        }
        c.send(ProtocolCodec.encodeKill());
    }

    /**
     * Closes the connection (normal closure) and releases the client's threads. A run in progress fails.
     */
    @Override
    public void close() {
        Connection c;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            c = connection;
            connection = null;
        }
        if (c != null) {
            if (c.run != null) {
                c.fail(c.run, new AtoClientException("the client was closed"), false);
            }
            c.closeNormally();
        }
        timer.shutdownNow();
        http.shutdownNow();
        executor.shutdown();
    }

    private Connection open() {
        Connection c = new Connection();
        try {
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(connectTimeout).buildAsync(uri, c)
                    .get(connectTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            c.ws = ws;
            return c;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof WebSocketHandshakeException h) {
                throw new AtoClientException("connecting to " + uri + ": the server answered HTTP "
                        + h.getResponse().statusCode() + " instead of a WebSocket", h);
            }
            throw new AtoClientException("connecting to " + uri + ": " + cause, cause);
        } catch (TimeoutException e) {
            throw new AtoClientException("connecting to " + uri + ": no answer within " + connectTimeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtoClientException("connecting to " + uri + ": interrupted", e);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** One run's state: who to tell, what to complete. */
    private static final class Run {
        final RunListener listener;
        final CompletableFuture<Done> future = new CompletableFuture<>();
        ScheduledFuture<?> deadline;
        /** Dones still to come: one, or one per test case. */
        int remaining;

        Run(RunListener listener, int dones) {
            this.listener = listener;
            this.remaining = dones;
        }
    }

    /** One WebSocket and its listener; replaced by a new one once the server has closed it. */
    private final class Connection implements WebSocket.Listener {
        volatile WebSocket ws;
        volatile boolean dead;
        volatile Run run;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private CompletableFuture<?> sends = CompletableFuture.completedFuture(null);

        /** java.net.http allows one outstanding send per WebSocket, so sends are chained. */
        synchronized CompletableFuture<WebSocket> send(byte[] bytes) {
            CompletableFuture<WebSocket> next = sends.handle((x, e) -> null)
                    .thenCompose(x -> ws.sendBinary(ByteBuffer.wrap(bytes), true));
            sends = next;
            return next;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            if ((long) partial.size() + data.remaining() > maxMessageBytes) {
                fail(run, new AtoClientException("a message from " + uri + " is larger than " + maxMessageBytes
                        + " bytes"), true);
                return null;
            }
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            partial.writeBytes(chunk);
            if (last) {
                byte[] message = partial.toByteArray();
                partial.reset();
                deliver(message);
            }
            webSocket.request(1);
            return null;
        }

        private void deliver(byte[] message) {
            Run r = run;
            ServerMessage m;
            try {
                m = ProtocolCodec.decodeServerMessage(message);
            } catch (ProtocolException e) {
                fail(r, new AtoClientException("invalid message from " + uri + ": " + e.getMessage(), e), true);
                return;
            }
            if (r == null) {
                // Nothing is waiting for this message, so the two sides disagree about the state: start afresh.
                abort();
                return;
            }
            try {
                switch (m) {
                    case ServerMessage.Stdout s -> r.listener.onStdout(s.data());
                    case ServerMessage.Stderr s -> r.listener.onStderr(s.data());
                    case ServerMessage.Finished f -> {
                        r.listener.onDone(f.done());
                        if (--r.remaining == 0) {
                            finish(r, f.done());
                        }
                    }
                }
            } catch (RuntimeException | Error e) {
                fail(r, e instanceof AtoClientException ace ? ace
                        : new AtoClientException("the run listener failed: " + e, e), true);
            }
        }

        private void finish(Run r, Done done) {
            detach(r);
            // Completed on another thread so that a caller's dependent stages never block this listener.
            try {
                executor.execute(() -> r.future.complete(done));
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                r.future.complete(done);
            }
        }

        /** Stops treating r as this connection's run and cancels its deadline. */
        private void detach(Run r) {
            synchronized (lock) {
                if (run == r) {
                    run = null;
                }
            }
            if (r.deadline != null) {
                r.deadline.cancel(false);
            }
        }

        void fail(Run r, AtoClientException e, boolean dropConnection) {
            if (dropConnection) {
                abort();
            }
            if (r == null) {
                return;
            }
            detach(r);
            r.future.completeExceptionally(e);
        }

        private void abort() {
            dead = true;
            WebSocket w = ws;
            if (w != null) {
                w.abort();
            }
        }

        void closeNormally() {
            dead = true;
            WebSocket w = ws;
            if (w == null) {
                return;
            }
            w.sendClose(CloseCodes.NORMAL, "").orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((x, e) -> w.abort());
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            fail(run, new AtoClientException(uri + " sent a text message; ATO sends binary messages only"), true);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            dead = true;
            Run r = run;
            if (r != null) {
                fail(r, new AtoClientException.ServerClosed(statusCode, reason), false);
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            dead = true;
            fail(run, new AtoClientException("WebSocket to " + uri + " failed: " + error, error), false);
        }
    }

    // ---------------------------------------------------------------- v0

    private static final class V0 {
        static final HttpClient HTTP = HttpClient.newBuilder()
                .executor(Executors.newCachedThreadPool(daemon("ato-client-v0")))
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    /**
     * Runs a request with ATO's one-shot API: {@code POST /api/v0/execute}, msgpack in, msgpack out.
     *
     * @param base the server, e.g. {@code http://127.0.0.1:8500}
     * @param request the run
     * @return the whole output and the status
     * @throws AtoClientException.HttpStatus when the server answers with a status other than 200
     * @throws AtoClientException when the call fails or the reply is not ATO's
     */
    public static V0Response executeV0(URI base, ExecuteRequest request) {
        URI u = httpUri(base, V0_EXECUTE_PATH);
        HttpRequest req = HttpRequest.newBuilder(u)
                .timeout(Duration.ofSeconds(Math.max(request.timeout(), 0) + 60L))
                .header("Content-Type", MSGPACK_CONTENT_TYPE)
                .header("Accept", MSGPACK_CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(ProtocolCodec.encodeRequest(request)))
                .build();
        byte[] body = call("POST " + u, req);
        try {
            return ProtocolCodec.decodeV0Response(body);
        } catch (ProtocolException e) {
            throw new AtoClientException("POST " + u + ": invalid reply: " + e.getMessage(), e);
        }
    }

    /** Beyond ATO: the HTTP run endpoint, one answer or Server-Sent Events. */
    public static final String V1_EXECUTE_PATH = "/api/v1/execute";

    /**
     * Beyond ATO: runs a request with one answer over plain HTTP, {@code POST /api/v1/execute} (msgpack both ways);
     * all the request's fields work but {@code interactive}.
     *
     * @param base the server
     * @param request the run
     * @return its result, or one per case
     * @throws AtoClientException.HttpStatus when the server answers with a status other than 200
     */
    public static List<Result> executeV1(URI base, ExecuteRequest request) {
        URI u = httpUri(base, V1_EXECUTE_PATH);
        byte[] body = call("POST " + u, v1Request(u, request, MSGPACK_CONTENT_TYPE));
        try {
            return ProtocolCodec.decodeV1Response(body);
        } catch (ProtocolException e) {
            throw new AtoClientException("POST " + u + ": invalid reply: " + e.getMessage(), e);
        }
    }

    /**
     * Beyond ATO: runs a request over plain HTTP with its output streamed as Server-Sent Events
     * ({@code POST /api/v1/execute}, {@code Accept: text/event-stream}).
     *
     * @param base the server
     * @param request the run
     * @param listener hears the output and each Done as they arrive
     * @return every Done (one, or one per case)
     * @throws AtoClientException when the call fails, the server answers other than 200, or sends an
     *     {@code error} event
     */
    public static List<Done> streamV1(URI base, ExecuteRequest request, RunListener listener) {
        URI u = httpUri(base, V1_EXECUTE_PATH);
        String what = "POST " + u;
        HttpRequest req = v1Request(u, request, "text/event-stream");
        List<Done> dones = new ArrayList<>();
        return exchange(what, req, (resp, in) -> {
            if (resp.statusCode() != 200) {
                throw new AtoClientException.HttpStatus(what, resp.statusCode(), in.readNBytes(4096));
            }
            java.io.BufferedReader lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
            String event = "message";
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.length() > ProtocolLimits.MAX_SERVER_MESSAGE_BYTES) {
                    throw new AtoClientException(what + ": an event line longer than "
                            + ProtocolLimits.MAX_SERVER_MESSAGE_BYTES);
                }
                if (line.isEmpty()) {
                    sseEvent(what, event, data.toString(), listener, dones);
                    event = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).stripLeading());
                }
            }
            return dones;
        });
    }

    private static void sseEvent(String what, String event, String data, RunListener listener, List<Done> dones) {
        try {
            switch (event) {
                case "stdout" -> listener.onStdout(java.util.Base64.getDecoder().decode(data));
                case "stderr" -> listener.onStderr(java.util.Base64.getDecoder().decode(data));
                case "done" -> {
                    Done d = ProtocolCodec.decodeDone(ProtocolJson.toMsgpack(
                            data.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                    dones.add(d);
                    listener.onDone(d);
                }
                case "error" -> throw new AtoClientException(what + ": the server said " + data);
                default -> {
                    // Unknown events are for newer clients.
                }
            }
        } catch (IllegalArgumentException | ProtocolException e) {
            throw new AtoClientException(what + ": invalid " + event + " event: " + e.getMessage(), e);
        }
    }

    private static HttpRequest v1Request(URI u, ExecuteRequest request, String accept) {
        long seconds = Math.max(request.timeout(), 0) * (long) Math.max(1, request.cases().size()) + 60L;
        return HttpRequest.newBuilder(u)
                .timeout(Duration.ofSeconds(seconds))
                .header("Content-Type", MSGPACK_CONTENT_TYPE)
                .header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofByteArray(ProtocolCodec.encodeRequest(request)))
                .build();
    }

    /**
     * Fetches ATO's language list: {@code GET /api/v0/metadata}.
     *
     * @param base the server
     * @return language id to its properties ({@code name}, {@code image} ...)
     * @throws AtoClientException when the call fails or the reply is not a map of maps
     */
    public static Map<String, Map<String, String>> metadataV0(URI base) {
        URI u = httpUri(base, V0_METADATA_PATH);
        HttpRequest req = HttpRequest.newBuilder(u).timeout(Duration.ofSeconds(30)).GET().build();
        byte[] body = call("GET " + u, req);
        try {
            return ProtocolCodec.decodeMetadata(body);
        } catch (ProtocolException e) {
            throw new AtoClientException("GET " + u + ": invalid reply: " + e.getMessage(), e);
        }
    }

    private static byte[] call(String what, HttpRequest req) {
        return exchange(what, req, (resp, in) -> {
            byte[] body = in.readNBytes(ProtocolLimits.MAX_V0_RESPONSE_BYTES + 1);
            if (resp.statusCode() != 200) {
                throw new AtoClientException.HttpStatus(what, resp.statusCode(),
                        body.length > 4096 ? java.util.Arrays.copyOf(body, 4096) : body);
            }
            if (body.length > ProtocolLimits.MAX_V0_RESPONSE_BYTES) {
                throw new AtoClientException(what + ": reply larger than " + ProtocolLimits.MAX_V0_RESPONSE_BYTES
                        + " bytes");
            }
            return body;
        });
    }

    /** Reads an HTTP answer from its status and body stream. */
    @FunctionalInterface
    private interface Reply<T> {
        T read(HttpResponse<InputStream> response, InputStream body) throws IOException;
    }

    /** Sends an HTTP request and reads the answer, every failure as an {@link AtoClientException} naming what. */
    private static <T> T exchange(String what, HttpRequest req, Reply<T> reply) {
        try {
            HttpResponse<InputStream> resp = V0.HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                return reply.read(resp, in);
            }
        } catch (HttpTimeoutException e) {
            throw new AtoClientException(what + ": no reply in time", e);
        } catch (IOException e) {
            throw new AtoClientException(what + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AtoClientException(what + ": interrupted", e);
        }
    }

    // ---------------------------------------------------------------- URIs

    static URI wsUri(URI base) {
        return withPath(base, scheme(base, "ws", "wss"), WS_PATH);
    }

    static URI httpUri(URI base, String path) {
        String http = scheme(base, "http", "https");
        URI root = base;
        String p = base.getPath() == null ? "" : base.getPath();
        if (p.endsWith(WS_PATH)) {
            root = withPathRaw(base, http, p.substring(0, p.length() - WS_PATH.length()));
        }
        return withPath(root, http, path);
    }

    /** The scheme to use for base: plain for ws/http, secure for wss/https. */
    private static String scheme(URI base, String plain, String secure) {
        Objects.requireNonNull(base, "base");
        if (base.getScheme() == null || base.getHost() == null) {
            throw new IllegalArgumentException("not an absolute server URI: " + base);
        }
        return switch (base.getScheme().toLowerCase(java.util.Locale.ROOT)) {
            case "ws", "http" -> plain;
            case "wss", "https" -> secure;
            default -> throw new IllegalArgumentException("not an ATO server URI (ws, wss, http, https): " + base);
        };
    }

    private static URI withPath(URI base, String scheme, String apiPath) {
        String p = base.getPath() == null ? "" : base.getPath();
        if (!p.endsWith(apiPath)) {
            while (p.endsWith("/")) {
                p = p.substring(0, p.length() - 1);
            }
            p = p + apiPath;
        }
        return withPathRaw(base, scheme, p);
    }

    private static URI withPathRaw(URI base, String scheme, String path) {
        try {
            return new URI(scheme, base.getUserInfo(), base.getHost(), base.getPort(), path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad server URI: " + base, e);
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name + "-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Settings for an {@link AtoClient}.
     */
    public static final class Builder {
        private final URI base;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration replyGrace = Duration.ofSeconds(30);
        private int maxMessageBytes = ProtocolLimits.MAX_SERVER_MESSAGE_BYTES;
        private InetAddress localAddress;

        private Builder(URI base) {
            this.base = Objects.requireNonNull(base, "base");
            wsUri(base);
        }

        /**
         * How long to wait for the WebSocket to open (default 10 s).
         *
         * @param value the timeout
         * @return this builder
         */
        public Builder connectTimeout(Duration value) {
            this.connectTimeout = requirePositive(value);
            return this;
        }

        /**
         * How long past a request's own timeout to wait for its {@code Done} before failing the run (default
         * 30 s): the server needs time to start and clean up.
         *
         * @param value the grace period
         * @return this builder
         */
        public Builder replyGrace(Duration value) {
            this.replyGrace = requirePositive(value);
            return this;
        }

        /**
         * The largest server message assembled from frames (default
         * {@link ProtocolLimits#MAX_SERVER_MESSAGE_BYTES}).
         *
         * @param value the cap in bytes
         * @return this builder
         */
        public Builder maxMessageBytes(int value) {
            if (value < 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 1024: " + value);
            }
            this.maxMessageBytes = value;
            return this;
        }

        /**
         * The local address connections are made from (default: the system's choice). A client behind a load
         * balancer that hashes or sticks on the source address is one such address.
         *
         * @param value a local address of this host
         * @return this builder
         */
        public Builder localAddress(InetAddress value) {
            this.localAddress = Objects.requireNonNull(value, "localAddress");
            return this;
        }

        /**
         * Connects.
         *
         * @return the connected client
         * @throws AtoClientException when the connection cannot be made
         */
        public AtoClient connect() {
            AtoClient client = new AtoClient(this);
            try {
                synchronized (client.lock) {
                    client.connection = client.open();
                }
                return client;
            } catch (RuntimeException e) {
                client.close();
                throw e;
            }
        }

        private static Duration requirePositive(Duration d) {
            Objects.requireNonNull(d, "duration");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("duration must be positive: " + d);
            }
            return d;
        }
    }
}
