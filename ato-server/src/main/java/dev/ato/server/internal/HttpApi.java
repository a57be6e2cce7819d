package dev.ato.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.protocol.Done;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ProtocolCodec;
import dev.ato.protocol.ProtocolException;
import dev.ato.protocol.ProtocolJson;
import dev.ato.protocol.ProtocolLimits;
import dev.ato.protocol.Quota;
import dev.ato.protocol.RequestValidator;
import dev.ato.protocol.Result;
import dev.ato.sandbox.OutputStreamKind;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The plain HTTP endpoints: v0's one-shot execute and metadata, v1's language list, and the metrics text.
 *
 * <p>Its size (about 500 lines) is one handler per endpoint of the plain HTTP API, sharing the request parsing and
 * the error replies.
 */
public final class HttpApi {
    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpMediaType MSGPACK = HttpMediaType.create("application/msgpack");
    private static final io.helidon.http.HeaderName RATELIMIT_LIMIT = HeaderNames.create("RateLimit-Limit");
    private static final io.helidon.http.HeaderName RATELIMIT_REMAINING = HeaderNames.create("RateLimit-Remaining");

    private final RunService runs;
    private final ClientKeys keys;
    private final LanguageCatalog catalog;
    private final Supplier<Map<String, LanguageStatus.Readiness>> readiness;
    private final ServerMetrics metrics;
    private final long retryAfterSeconds;
    private final ConnectionWatch watch;

    /** The endpoints over these pieces; {@code watch} kills a v0 run whose client disconnects. */
    public HttpApi(RunService runs, ClientKeys keys, LanguageCatalog catalog,
            Supplier<Map<String, LanguageStatus.Readiness>> readiness, ServerMetrics metrics, long retryAfterSeconds,
            ConnectionWatch watch) {
        this.runs = runs;
        this.keys = keys;
        this.catalog = catalog;
        this.readiness = readiness;
        this.metrics = metrics;
        this.retryAfterSeconds = retryAfterSeconds;
        this.watch = watch;
    }

    /** Registers the routes. */
    public void routing(HttpRules rules) {
        rules.post("/api/v0/execute", this::execute)
                .options("/api/v0/execute", this::preflight)
                .post("/api/v1/execute", this::executeV1)
                .options("/api/v1/execute", this::preflight)
                .get("/api/v0/metadata", this::metadata)
                .get("/api/v1/languages", this::languages)
                .get("/observe/metrics", this::metricsText)
                .get("/run", this::runPage);
    }

    /** ATO's permalinks are {@code /run?1=...}: the run page answers there as well as at {@code /}. */
    private void runPage(ServerRequest req, ServerResponse res) {
        try (InputStream in = HttpApi.class.getClassLoader().getResourceAsStream("web/index.html")) {
            if (in == null) {
                res.status(Status.NOT_FOUND_404).send("the web page is not in this build");
                return;
            }
            res.headers().contentType(HttpMediaType.create("text/html; charset=UTF-8"));
            res.send(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void cors(ServerResponse res) {
        // ATO's API allows any origin: it has no cookies or credentials to protect.
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }

    private void preflight(ServerRequest req, ServerResponse res) {
        cors(res);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST");
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type, Accept");
        res.header(HeaderNames.create("Access-Control-Expose-Headers"), "RateLimit-Limit, RateLimit-Remaining");
        res.status(Status.NO_CONTENT_204).send();
    }

    @SuppressWarnings("unchecked")
    private void execute(ServerRequest req, ServerResponse res) {
        cors(res);
        String key = clientKey(req);
        byte[] body = readBody(req, res, key, Format.V0);
        if (body == null) return;
        ExecuteRequest request = decode(body, res, key, Format.V0);
        if (request == null) return;
        if (request.interactive() || !request.cases().isEmpty()) {
            error(res, key, Format.V0, Status.BAD_REQUEST_400, (request.interactive()
                    ? "interactive runs need the WebSocket API" : "cases need /api/v1/execute or the WebSocket API"),
                    "value_error");
            return;
        }
        Object outcome = runToEnd(req, res, key, Format.V0, request);
        if (outcome == null) return;
        Result r = ((List<Result>) outcome).getFirst();
        Done done = Extensions.requested(req.query()) ? r.done() : r.done().withoutServerExtras();
        byte[] reply = ProtocolCodec.encodeV0Response(done, r.stdout(), r.stderr());
        quotaHeaders(res, key);
        res.headers().contentType(MSGPACK);
        res.send(reply);
    }

    /**
     * Beyond ATO: {@code POST /api/v1/execute}. The body is a request in msgpack, or JSON when the Content-Type says
     * so (same fields; strings for bins). {@code Accept: text/event-stream} streams Server-Sent Events
     * ({@code stdout}/{@code stderr} with base64 data, {@code done} with the Done as JSON, {@code error}); otherwise
     * one answer: v0's map (an array of them for {@code cases}), as msgpack when Accept names it, else JSON.
     */
    private void executeV1(ServerRequest req, ServerResponse res) {
        cors(res);
        String key = clientKey(req);
        String accept = req.headers().first(HeaderNames.ACCEPT).orElse("");
        Format format = accept.contains("text/event-stream") ? Format.EVENTS
                : accept.contains("msgpack") ? Format.MSGPACK : Format.JSON;
        byte[] body = readBody(req, res, key, format);
        if (body == null) return;
        if (req.headers().contentType().map(t -> t.text().contains("json")).orElse(false)) {
            try {
                body = ProtocolJson.toMsgpack(body);
            } catch (ProtocolException e) {
                error(res, key, format, Status.BAD_REQUEST_400, e.getMessage(), "value_error");
                return;
            }
        }
        ExecuteRequest request = decode(body, res, key, format);
        if (request == null) return;
        if (request.interactive()) {
            error(res, key, format, Status.BAD_REQUEST_400, "interactive runs need the WebSocket API "
                    + "/api/v1/ws/execute", "value_error");
            return;
        }
        if (format == Format.EVENTS) {
            stream(req, res, key, request);
            return;
        }
        Object outcome = runToEnd(req, res, key, format, request);
        if (outcome == null) return;
        @SuppressWarnings("unchecked")
        List<Result> results = (List<Result>) outcome;
        byte[] reply = ProtocolCodec.encodeV1Response(results, !request.cases().isEmpty());
        quotaHeaders(res, key);
        if (format == Format.MSGPACK) {
            res.headers().contentType(MSGPACK);
            res.send(reply);
        } else {
            res.headers().contentType(io.helidon.common.media.type.MediaTypes.APPLICATION_JSON);
            res.send(ProtocolJson.fromMsgpack(reply).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** How an answer is written: v0's msgpack (with pydantic-shaped errors), v1's msgpack, JSON, or events. */
    private enum Format { V0, MSGPACK, JSON, EVENTS }

    private String clientKey(ServerRequest req) {
        return keys.keyFor(ClientKeys.address(req.remotePeer().address()),
                req.headers().all(HeaderNames.X_FORWARDED_FOR, List::of));
    }

    /** The IETF draft's RateLimit-Limit / RateLimit-Remaining: the client's runs at once, and those free now. */
    private void quotaHeaders(ServerResponse res, String key) {
        Quota q = runs.quota(key);
        res.header(RATELIMIT_LIMIT, Integer.toString(q.limit()));
        res.header(RATELIMIT_REMAINING, Integer.toString(q.remaining()));
    }

    /** The body, at most 64 KiB; null when an error has been answered. */
    private static byte[] readBodyOrNull(ServerRequest req) throws IOException {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > ProtocolLimits.MAX_REQUEST_BYTES) return new byte[ProtocolLimits.MAX_REQUEST_BYTES + 1];
        try (InputStream in = req.content().inputStream()) {
            // Read one byte past the limit, never more: a body without Content-Length is capped the same way.
            return in.readNBytes(ProtocolLimits.MAX_REQUEST_BYTES + 1);
        }
    }

    private byte[] readBody(ServerRequest req, ServerResponse res, String key, Format format) {
        byte[] body;
        try {
            body = readBodyOrNull(req);
        } catch (IOException | UncheckedIOException e) {
            quotaHeaders(res, key);
            res.status(Status.BAD_REQUEST_400).send("cannot read the request body");
            return null;
        }
        if (body.length > ProtocolLimits.MAX_REQUEST_BYTES) {
            error(res, key, format, Status.REQUEST_ENTITY_TOO_LARGE_413, "request too large", "value_error.size");
            return null;
        }
        return body;
    }

    private ExecuteRequest decode(byte[] body, ServerResponse res, String key, Format format) {
        try {
            ExecuteRequest request = ProtocolCodec.decodeRequest(body);
            RequestValidator.validate(request, runs::languageExists);
            return request;
        } catch (ProtocolException e) {
            error(res, key, format, Status.BAD_REQUEST_400, e.getMessage(), "value_error");
            return null;
        }
    }

    /**
     * Submits the request and waits for its end: the list of results, or null when an error has been answered
     * (refusal: 429 with Retry-After).
     */
    private Object runToEnd(ServerRequest req, ServerResponse res, String key, Format format, ExecuteRequest request) {
        Collector collector = new Collector();
        RunService.Execution execution;
        try {
            execution = runs.submit(request, key, collector);
        } catch (ProtocolException e) {
            error(res, key, format, Status.BAD_REQUEST_400, e.getMessage(), "value_error");
            return null;
        }
        // Nothing reads this connection until the handler returns, so a client that hangs up would otherwise leave
        // its run going to the timeout. The watch sees the hang-up in the kernel's TCP table and kills the run.
        ConnectionWatch.Entry watched = watchConnection(req, execution);
        Object outcome;
        try {
            outcome = collector.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            res.status(Status.SERVICE_UNAVAILABLE_503).send();
            return null;
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.ERROR, "HTTP run failed", e.getCause());
            quotaHeaders(res, key);
            res.status(Status.INTERNAL_SERVER_ERROR_500).send("internal error");
            return null;
        } finally {
            if (watched != null) watched.remove();
        }
        if (outcome instanceof Admission.Refusal r) {
            refusal(res, key, format, r);
            return null;
        }
        return outcome;
    }

    /**
     * A refused run: a draining server sends the client elsewhere (503, as a load balancer expects); a busy one asks
     * it to wait (429). Both with Retry-After; v0's body is the plain text it always was.
     */
    private void refusal(ServerResponse res, String key, Format format, Admission.Refusal r) {
        res.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
        Status status = r == Admission.Refusal.SHUTTING_DOWN ? Status.SERVICE_UNAVAILABLE_503
                : Status.TOO_MANY_REQUESTS_429;
        String text = "try again later: " + r.text();
        if (format == Format.V0) {
            quotaHeaders(res, key);
            res.status(status).send(text);
        } else {
            error(res, key, format, status, text, "busy");
        }
    }

    private ConnectionWatch.Entry watchConnection(ServerRequest req, RunService.Execution execution) {
        return req.localPeer().address() instanceof InetSocketAddress local
                && req.remotePeer().address() instanceof InetSocketAddress remote
                ? watch.registerTcp(local, remote, execution::cancel) : null;
    }

    /** An error answer in the request's format, with the quota headers. */
    private void error(ServerResponse res, String key, Format format, Status status, String message, String type) {
        quotaHeaders(res, key);
        switch (format) {
            case V0 -> validationError(res, status, message, type);
            case MSGPACK -> {
                res.headers().contentType(MSGPACK);
                res.status(status).send(errorMap(message));
            }
            default -> {
                res.headers().contentType(io.helidon.common.media.type.MediaTypes.APPLICATION_JSON);
                res.status(status).send(ProtocolJson.fromMsgpack(errorMap(message)).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** {@code {"error": message}}. */
    private static byte[] errorMap(String message) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1);
            p.packString("error").packString(message);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The event stream: output and Done as they come, written by this (virtual) thread from a queue the run's
     * sink fills without blocking. A refusal before anything was written is a 429 like the one-shot answer.
     */
    private void stream(ServerRequest req, ServerResponse res, String key, ExecuteRequest request) {
        EventSink sink = new EventSink();
        RunService.Execution execution;
        try {
            execution = runs.submit(request, key, sink);
        } catch (ProtocolException e) {
            error(res, key, Format.EVENTS, Status.BAD_REQUEST_400, e.getMessage(), "value_error");
            return;
        }
        ConnectionWatch.Entry watched = watchConnection(req, execution);
        try {
            Object first = sink.events.take();
            if (first instanceof Admission.Refusal r) {
                refusal(res, key, Format.EVENTS, r);
                return;
            }
            quotaHeaders(res, key);
            res.headers().contentType(HttpMediaType.create("text/event-stream; charset=utf-8"));
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            try (OutputStream out = res.outputStream()) {
                Object event = first;
                while (true) {
                    boolean end = writeEvent(out, event);
                    if (end) break;
                    if (sink.events.isEmpty()) out.flush();
                    event = sink.events.take();
                }
            } catch (IOException | UncheckedIOException e) {
                // The client went away: end the run.
                execution.cancel();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            execution.cancel();
        } finally {
            if (watched != null) watched.remove();
        }
    }

    /** Writes one event; true when it was the last. */
    private static boolean writeEvent(OutputStream out, Object event) throws IOException {
        String text;
        boolean end = false;
        switch (event) {
            case Output o -> text = "event: " + (o.stream() == OutputStreamKind.STDOUT ? "stdout" : "stderr")
                    + "\ndata: " + Base64.getEncoder().encodeToString(o.chunk()) + "\n\n";
            case Finished f -> {
                text = "event: done\ndata: " + ProtocolJson.fromMsgpack(ProtocolCodec.encodeDone(f.done())) + "\n\n";
                end = f.last();
            }
            case Admission.Refusal r -> {
                text = "event: error\ndata: " + ProtocolJson.fromMsgpack(errorMap("try again later: " + r.text()))
                        + "\n\n";
                end = true;
            }
            default -> {
                LOG.log(System.Logger.Level.ERROR, "HTTP run failed", (Throwable) event);
                text = "event: error\ndata: " + ProtocolJson.fromMsgpack(errorMap("internal error")) + "\n\n";
                end = true;
            }
        }
        out.write(text.getBytes(StandardCharsets.UTF_8));
        if (end) out.flush();
        return end;
    }

    private record Output(OutputStreamKind stream, byte[] chunk) { }

    private record Finished(Done done, boolean last) { }

    /** Queues a run's events for {@link #stream}; never blocks the sandbox's thread. */
    private static final class EventSink implements RunService.Sink {
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();

        @Override
        public void output(OutputStreamKind stream, byte[] chunk) {
            events.add(new Output(stream, chunk));
        }

        @Override
        public void finished(Done done, boolean last) {
            events.add(new Finished(done, last));
        }

        @Override
        public void refused(Admission.Refusal why) {
            events.add(why);
        }

        @Override
        public void failed(Throwable error) {
            events.add(error);
        }
    }

    /** ATO's v0 answered bad requests with pydantic's error list, msgpack-encoded; the same shape here. */
    private static void validationError(ServerResponse res, Status status, String message, String type) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packArrayHeader(1);
            p.packMapHeader(3);
            p.packString("loc").packArrayHeader(0);
            p.packString("msg").packString(message);
            p.packString("type").packString(type);
            res.headers().contentType(MSGPACK);
            res.status(status).send(p.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void metadata(ServerRequest req, ServerResponse res) {
        cors(res);
        Map<String, Map<String, String>> meta = new LinkedHashMap<>();
        for (Language l : catalog.all()) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("name", l.name());
            m.put("image", l.image());
            m.put("version", l.version());
            m.put("url", l.url());
            m.put("sbcs", Boolean.toString(l.sbcs()));
            m.put("SE_class", l.seClass());
            meta.put(l.id(), m);
        }
        res.headers().contentType(MSGPACK);
        res.send(ProtocolCodec.encodeMetadata(meta));
    }

    private void languages(ServerRequest req, ServerResponse res) {
        cors(res);
        Map<String, LanguageStatus.Readiness> ready = readiness.get();
        ObjectNode root = JSON.createObjectNode();
        for (Language l : catalog.all()) {
            ObjectNode n = root.putObject(l.id());
            n.put("name", l.name());
            n.put("version", l.version());
            n.put("url", l.url());
            n.put("sbcs", l.sbcs());
            n.put("se_class", l.seClass());
            n.put("image", l.image());
            ObjectNode hw = n.putObject("hello_world");
            hw.put("code", l.helloWorld().code());
            hw.put("input", l.helloWorld().input());
            l.helloWorld().options().forEach(hw.putArray("options")::add);
            l.helloWorld().arguments().forEach(hw.putArray("arguments")::add);
            hw.put("output", l.helloWorld().output());
            n.put("ato", l.atoId());
            LanguageStatus.Readiness r = ready.get(l.id());
            n.put("ready", r != null && r.ready());
            if (r != null && !r.ready()) n.put("reason", r.reason());
        }
        res.headers().contentType(io.helidon.common.media.type.MediaTypes.APPLICATION_JSON);
        try {
            res.send(JSON.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void metricsText(ServerRequest req, ServerResponse res) {
        res.headers().contentType(HttpMediaType.create("text/plain; version=0.0.4; charset=utf-8"));
        res.send(metrics.prometheus());
    }

    /** Gathers whole runs (one per case) for one reply (output is capped per stream by the sandbox). */
    private static final class Collector implements RunService.Sink {
        final CompletableFuture<Object> result = new CompletableFuture<>();
        private final List<Result> results = new ArrayList<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();

        @Override
        public synchronized void output(OutputStreamKind stream, byte[] chunk) {
            (stream == OutputStreamKind.STDOUT ? out : err).writeBytes(chunk);
        }

        @Override
        public synchronized void finished(Done done, boolean last) {
            results.add(new Result(out.toByteArray(), err.toByteArray(), done));
            out.reset();
            err.reset();
            if (last) result.complete(List.copyOf(results));
        }

        @Override
        public void refused(Admission.Refusal why) {
            result.complete(why);
        }

        @Override
        public void failed(Throwable error) {
            result.completeExceptionally(error);
        }
    }
}
