package dev.ato.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ato.protocol.Done;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ProtocolCodec;
import dev.ato.protocol.ProtocolException;
import dev.ato.protocol.ProtocolLimits;
import dev.ato.protocol.RequestValidator;
import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.sandbox.OutputStreamKind;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The plain HTTP endpoints: v0's one-shot execute and metadata, v1's language list, and the metrics text.
 */
public final class HttpApi {
    private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpMediaType MSGPACK = HttpMediaType.create("application/msgpack");

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
                .get("/api/v0/metadata", this::metadata)
                .get("/api/v1/languages", this::languages)
                .get("/observe/metrics", this::metricsText);
    }

    private static void cors(ServerResponse res) {
        // ATO's API allows any origin: it has no cookies or credentials to protect.
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }

    private void preflight(ServerRequest req, ServerResponse res) {
        cors(res);
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "POST");
        res.header(HeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type");
        res.status(Status.NO_CONTENT_204).send();
    }

    private void execute(ServerRequest req, ServerResponse res) {
        cors(res);
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > ProtocolLimits.MAX_REQUEST_BYTES) {
            tooLarge(res);
            return;
        }
        byte[] body;
        try (InputStream in = req.content().inputStream()) {
            // Read one byte past the limit, never more: a body without Content-Length is capped the same way.
            body = in.readNBytes(ProtocolLimits.MAX_REQUEST_BYTES + 1);
        } catch (IOException | UncheckedIOException e) {
            res.status(Status.BAD_REQUEST_400).send("cannot read the request body");
            return;
        }
        if (body.length > ProtocolLimits.MAX_REQUEST_BYTES) {
            tooLarge(res);
            return;
        }
        ExecuteRequest request;
        try {
            request = ProtocolCodec.decodeRequest(body);
            RequestValidator.validate(request, runs::languageExists);
        } catch (ProtocolException e) {
            validationError(res, Status.BAD_REQUEST_400, e.getMessage(), "value_error");
            return;
        }
        Collector collector = new Collector();
        String key = keys.keyFor(ClientKeys.address(req.remotePeer().address()),
                req.headers().all(HeaderNames.X_FORWARDED_FOR, List::of));
        RunService.Execution execution;
        try {
            execution = runs.submit(request, key, collector);
        } catch (ProtocolException e) {
            validationError(res, Status.BAD_REQUEST_400, e.getMessage(), "value_error");
            return;
        }
        // Nothing reads this connection until the handler returns, so a client that hangs up would otherwise leave
        // its run going to the timeout. The watch sees the hang-up in the kernel's TCP table and kills the run.
        ConnectionWatch.Entry watched = req.localPeer().address() instanceof InetSocketAddress local
                && req.remotePeer().address() instanceof InetSocketAddress remote
                ? watch.registerTcp(local, remote, execution::cancel) : null;
        Object outcome;
        try {
            outcome = collector.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            res.status(Status.SERVICE_UNAVAILABLE_503).send();
            return;
        } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.ERROR, "v0 run failed", e.getCause());
            res.status(Status.INTERNAL_SERVER_ERROR_500).send("internal error");
            return;
        } finally {
            if (watched != null) watched.remove();
        }
        if (outcome instanceof Admission.Refusal r) {
            res.header(HeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
            // A draining server sends the client elsewhere (503, as a load balancer expects); a busy one asks it to wait.
            res.status(r == Admission.Refusal.SHUTTING_DOWN ? Status.SERVICE_UNAVAILABLE_503 : Status.TOO_MANY_REQUESTS_429)
                    .send("try again later: " + r.text());
            return;
        }
        Done done = (Done) outcome;
        byte[] reply = ProtocolCodec.encodeV0Response(done, collector.stdout(), collector.stderr());
        res.headers().contentType(MSGPACK);
        res.send(reply);
    }

    private static void tooLarge(ServerResponse res) {
        validationError(res, Status.REQUEST_ENTITY_TOO_LARGE_413, "request too large", "value_error.size");
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

    /** Gathers a whole run for v0's one reply (output is capped per stream by the sandbox). */
    private static final class Collector implements RunService.Sink {
        final CompletableFuture<Object> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();

        @Override
        public synchronized void output(OutputStreamKind stream, byte[] chunk) {
            (stream == OutputStreamKind.STDOUT ? out : err).writeBytes(chunk);
        }

        synchronized byte[] stdout() {
            return out.toByteArray();
        }

        synchronized byte[] stderr() {
            return err.toByteArray();
        }

        @Override
        public void finished(Done done) {
            result.complete(done);
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
