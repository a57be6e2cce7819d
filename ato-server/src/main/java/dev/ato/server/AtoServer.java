package dev.ato.server;

import dev.ato.languages.LanguageCatalog;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.server.internal.Admission;
import dev.ato.server.internal.ClientKeys;
import dev.ato.server.internal.ConnectionWatch;
import dev.ato.server.internal.ExecuteSocket;
import dev.ato.server.internal.HttpApi;
import dev.ato.server.internal.LanguageStatus;
import dev.ato.server.internal.RunService;
import dev.ato.server.internal.SandboxHealth;
import dev.ato.server.internal.ServerMetrics;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * ATO's server: the v1 WebSocket API, v0's HTTP API, the language list, health, metrics and the web page, over a
 * sandbox. Start one with {@link #start(ServerConfig)}; close it to stop listening and kill every run.
 *
 * <pre>{@code
 * try (AtoServer s = AtoServer.start(ServerConfig.builder().port(0).build())) {
 *     URI ws = s.uri().resolve("/api/v1/ws/execute");
 * }
 * }</pre>
 */
public final class AtoServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AtoServer.class.getName());

    /**
     * Frames longer than this are refused by Helidon itself (1009 "Payload too large") before their payload is
     * read; frames up to it are read and counted against the 64 KiB message limit here, with ATO's reason. It
     * bounds what one connection makes the server hold before the limit is applied.
     */
    static final int MAX_FRAME_BYTES = 256 << 10;

    private final WebServer web;
    private final Sandbox sandbox;
    private final boolean ownsSandbox;
    private final ScheduledExecutorService scheduler;
    private final ConnectionWatch watch;
    private final Admission admission;
    private final ServerMetrics metrics;
    private final ServerConfig config;

    private AtoServer(ServerConfig config, WebServer web, Sandbox sandbox, boolean ownsSandbox, ScheduledExecutorService scheduler,
            ConnectionWatch watch, Admission admission, ServerMetrics metrics) {
        this.config = config;
        this.web = web;
        this.sandbox = sandbox;
        this.ownsSandbox = ownsSandbox;
        this.scheduler = scheduler;
        this.watch = watch;
        this.admission = admission;
        this.metrics = metrics;
    }

    /**
     * Starts a server: makes (or takes) the sandbox, loads the client-key secret, binds, and returns once it
     * listens.
     *
     * @throws dev.ato.sandbox.SandboxException when the host cannot run the sandbox
     * @throws IllegalStateException when the state directory or the port cannot be used
     */
    public static AtoServer start(ServerConfig config) {
        Sandbox sandbox = config.sandbox().orElse(null);
        boolean owns = sandbox == null;
        if (owns) {
            sandbox = Sandbox.create(config.sandboxConfig());
        }
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ato-server-timer");
            t.setDaemon(true);
            return t;
        });
        try {
            LanguageCatalog catalog = config.catalog().orElseGet(LanguageCatalog::builtIn);
            // A sandbox that reports no configuration (a test double) gets the default id mapping.
            SandboxConfig sandboxConfig = sandbox.config() != null ? sandbox.config() : SandboxConfig.defaults();
            ImageResolver images = config.imageResolver()
                    .orElseGet(() -> ImageResolver.hostAndStore(config.imageDir(), sandboxConfig));
            ClientKeys keys = ClientKeys.open(config.stateDir(), config.trustedProxies());

            int cap = effectiveCap(config);
            Admission admission = new Admission(cap, config.maxRunsPerClient(), config.queueLength(),
                    config.queueWait(), scheduler);
            ServerMetrics metrics = new ServerMetrics(admission::inFlight, admission::queued);
            RunService runs = new RunService(sandbox, catalog, images, admission, metrics, config.limits());
            ConnectionWatch watch = new ConnectionWatch(scheduler);
            Supplier<Map<String, LanguageStatus.Readiness>> readiness =
                    LanguageStatus.live(catalog, images, java.time.Duration.ofSeconds(1));
            HttpApi api = new HttpApi(runs, keys, catalog, readiness, metrics,
                    Math.max(1, config.queueWait().toSeconds()), watch);
            SandboxHealth health = new SandboxHealth(sandbox, config.healthCacheTime());

            WebServer web = WebServer.builder()
                    .host(config.bindAddress())
                    .port(config.port())
                    .shutdownHook(false)
                    // Output is many small writes (a Stdout chunk, then Done at once): with Nagle on, the second
                    // waits for the client's delayed ACK, up to 40 ms on Linux.
                    .connectionOptions(o -> o.tcpNoDelay(true))
                    // Nothing found on the class path joins in unasked (metrics providers, other features).
                    .featuresDiscoverServices(false)
                    .addFeature(ObserveFeature.just(HealthObserver.builder().details(true).addCheck(health).build()))
                    .addProtocol(WsConfig.builder().name("websocket").maxFrameLength(MAX_FRAME_BYTES).build())
                    .routing(r -> {
                        api.routing(r);
                        r.register("/", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                                .location("web").welcome("index.html").build()));
                    })
                    .addRouting(WsRouting.builder().endpoint("/api/v1/ws/execute",
                            () -> new ExecuteSocket(runs, keys, watch)))
                    .build()
                    .start();
            LOG.log(Level.INFO, "ATO listening on http://{0}:{1} ({2} runs at once, {3} per client, {4} queued, "
                    + "{5} languages ({6} ready))", config.bindAddress(), Integer.toString(web.port()), Integer.toString(cap),
                    Integer.toString(config.maxRunsPerClient()), Integer.toString(config.queueLength()),
                    Integer.toString(catalog.ids().size()),
                    Long.toString(readiness.get().values().stream().filter(LanguageStatus.Readiness::ready).count()));
            return new AtoServer(config, web, sandbox, owns, scheduler, watch, admission, metrics);
        } catch (RuntimeException e) {
            scheduler.shutdownNow();
            if (owns) sandbox.close();
            throw e;
        }
    }

    /** The global cap, lowered so the runs' memory limits together never exceed the host's memory. */
    static int effectiveCap(ServerConfig config) {
        long memTotal = memTotalBytes();
        int cap = config.maxRuns();
        if (memTotal > 0) {
            long fit = Math.max(1, memTotal / config.limits().memoryBytes());
            if (fit < cap) {
                LOG.log(Level.WARNING, "max runs lowered from {0} to {1}: {1} x {2} MiB fills MemTotal",
                        Integer.toString(cap), Long.toString(fit), Long.toString(config.limits().memoryBytes() >> 20));
                cap = (int) fit;
            }
        }
        return cap;
    }

    private static long memTotalBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.log(Level.WARNING, "cannot read MemTotal from /proc/meminfo: " + e.getMessage());
        }
        return -1;
    }

    /** The configuration the server was started with (its port may be 0: see {@link #port()}). */
    public ServerConfig config() {
        return config;
    }

    /** The port the server listens on. */
    public int port() {
        return web.port();
    }

    /** {@code http://127.0.0.1:PORT} (or the bind address when it is not a wildcard). */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port());
    }

    /** Runs holding a slot now. */
    public int runsInFlight() {
        return admission.inFlight();
    }

    /** Runs waiting for a slot now. */
    public int runsQueued() {
        return admission.queued();
    }

    /** The Prometheus text served at {@code /observe/metrics}. */
    public String metricsText() {
        return metrics.prometheus();
    }

    /** Stops listening, kills every run (when the server made the sandbox) and frees its threads. */
    @Override
    public void close() {
        try {
            web.stop();
        } finally {
            watch.close();
            scheduler.shutdownNow();
            if (ownsSandbox) sandbox.close();
        }
    }
}
