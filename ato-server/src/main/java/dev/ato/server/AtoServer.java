package dev.ato.server;

import dev.ato.languages.LanguageCatalog;
import dev.ato.sandbox.Sandbox;
import dev.ato.server.internal.Admission;
import dev.ato.server.internal.ClientKeys;
import dev.ato.server.internal.ConnectionWatch;
import dev.ato.server.internal.Drain;
import dev.ato.server.internal.ExecuteSocket;
import dev.ato.server.internal.Http10Health;
import dev.ato.server.internal.HttpApi;
import dev.ato.server.internal.LanguageStatus;
import dev.ato.server.internal.PortCheck;
import dev.ato.server.internal.RunService;
import dev.ato.server.internal.SandboxHealth;
import dev.ato.server.internal.ServerMetrics;
import dev.ato.server.internal.WsOrigins;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.staticcontent.ClasspathHandlerConfig;
import io.helidon.webserver.staticcontent.StaticContentFeature;
import io.helidon.webserver.websocket.WsRouting;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

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
    private final Drain drain;

    private AtoServer(ServerConfig config, WebServer web, Sandbox sandbox, boolean ownsSandbox, ScheduledExecutorService scheduler,
            ConnectionWatch watch, Admission admission, ServerMetrics metrics, Drain drain) {
        this.drain = drain;
        this.config = config;
        this.web = web;
        this.sandbox = sandbox;
        this.ownsSandbox = ownsSandbox;
        this.scheduler = scheduler;
        this.watch = watch;
        this.admission = admission;
        this.metrics = metrics;
    }

    /** Starts a server with its own sandbox, the built-in catalog and the host-and-store image resolver. */
    public static AtoServer start(ServerConfig config) {
        return builder(config).start();
    }

    /** A server to start with collaborators of the embedder's (a sandbox, a catalog, an image resolver). */
    public static Builder builder(ServerConfig config) {
        return new Builder(config);
    }

    /** What a server is started with besides its {@link ServerConfig}. */
    public static final class Builder {
        private final ServerConfig config;
        private Sandbox sandbox;
        private LanguageCatalog catalog;
        private ImageResolver imageResolver;

        private Builder(ServerConfig config) {
            this.config = Objects.requireNonNull(config);
        }

        /** Use this sandbox instead of creating one from {@link ServerConfig#sandboxConfig()} (not closed by the server). */
        public Builder sandbox(Sandbox s) {
            this.sandbox = Objects.requireNonNull(s);
            return this;
        }

        /** Use this language catalog instead of the built-in one. */
        public Builder catalog(LanguageCatalog c) {
            this.catalog = Objects.requireNonNull(c);
            return this;
        }

        /** Use this image resolver instead of the host image and the image store at {@link ServerConfig#imageDir()}. */
        public Builder imageResolver(ImageResolver r) {
            this.imageResolver = Objects.requireNonNull(r);
            return this;
        }

        /**
         * Starts the server: makes (or takes) the sandbox, loads the client-key secret, binds, and returns once it
         * listens.
         *
         * @throws dev.ato.sandbox.SandboxException when the host cannot run the sandbox
         * @throws IllegalStateException when the state directory or the port cannot be used (for the port: one line,
         *         {@code cannot listen on HOST:PORT: WHY (...)}, checked before the sandbox is made)
         */
        public AtoServer start() {
            return AtoServer.start(config, sandbox, catalog == null ? LanguageCatalog.builtIn() : catalog, imageResolver);
        }
    }

    private static AtoServer start(ServerConfig config, Sandbox given, LanguageCatalog catalog, ImageResolver resolver) {
        PortCheck.problem(config.bindAddress(), config.port()).ifPresent(p -> {
            throw new IllegalStateException(p);
        });
        boolean owns = given == null;
        Sandbox sandbox = owns ? Sandbox.create(config.sandboxConfig()) : given;
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ato-server-timer");
            t.setDaemon(true);
            return t;
        });
        try {
            ImageResolver images = resolver != null ? resolver
                    : ImageResolver.hostAndStore(config.imageDir(), sandbox.config());
            ClientKeys keys = ClientKeys.open(config.stateDir(), config.trustedProxies());

            int cap = effectiveCap(config);
            Admission admission = new Admission(cap, config.maxRunsPerClient(), config.queueLength(),
                    config.queueWait(), scheduler);
            ServerMetrics metrics = new ServerMetrics(admission::inFlight, admission::queued);
            RunService runs = new RunService(sandbox, catalog, images, admission, metrics, config.limits());
            ConnectionWatch watch = new ConnectionWatch(scheduler);
            Supplier<Map<String, LanguageStatus.Readiness>> readiness =
                    LanguageStatus.live(catalog, images, Duration.ofSeconds(1));
            HttpApi api = new HttpApi(runs, keys, catalog, readiness, metrics,
                    Math.max(1, config.queueWait().toSeconds()), watch);
            SandboxHealth health = new SandboxHealth(sandbox, config.healthCacheTime());
            Drain drain = new Drain();

            WebServer web = WebServer.builder()
                    .host(config.bindAddress())
                    .port(config.port())
                    .shutdownHook(false)
                    // Output is many small writes (a Stdout chunk, then Done at once): with Nagle on, the second
                    // waits for the client's delayed ACK, up to 40 ms on Linux.
                    .connectionOptions(o -> o.tcpNoDelay(true))
                    // Nothing found on the class path joins in unasked (metrics providers, other features).
                    .featuresDiscoverServices(false)
                    .addFeature(ObserveFeature.just(HealthObserver.builder().details(true)
                            .addCheck(health).addCheck(drain).build()))
                    // HAProxy's default health check speaks HTTP/1.0, which Helidon's HTTP/1 parser refuses.
                    .addConnectionSelector(new Http10Health(List.of(health, drain)))
                    .addProtocol(WsOrigins.config("websocket", MAX_FRAME_BYTES, config.allowedOrigins()))
                    .routing(r -> {
                        // A v0 run counts for the drain until its answer is written.
                        r.addFilter((chain, req, res) -> {
                            if (!req.path().path().equals("/api/v0/execute")) {
                                chain.proceed();
                                return;
                            }
                            drain.enter();
                            try {
                                chain.proceed();
                            } finally {
                                drain.exit();
                            }
                        });
                        api.routing(r);
                        r.register("/", StaticContentFeature.createService(ClasspathHandlerConfig.builder()
                                .location("web").welcome("index.html").build()));
                    })
                    .addRouting(WsRouting.builder().endpoint("/api/v1/ws/execute",
                            () -> new ExecuteSocket(runs, keys, watch, drain)))
                    .build()
                    .start();
            if (web.port() < 0) {
                // Helidon logs the listener's failure and returns a server with no listener (port -1).
                web.stop();
                throw new IllegalStateException(PortCheck.message(config.bindAddress(), config.port(),
                        "the web server could not bind (see its log line above)"));
            }
            LOG.log(Level.INFO, "ATO listening on http://{0}:{1} ({2} runs at once, {3} per client, {4} queued, "
                    + "{5} languages ({6} ready))", config.bindAddress(), Integer.toString(web.port()), Integer.toString(cap),
                    Integer.toString(config.maxRunsPerClient()), Integer.toString(config.queueLength()),
                    Integer.toString(catalog.ids().size()),
                    Long.toString(readiness.get().values().stream().filter(LanguageStatus.Readiness::ready).count()));
            return new AtoServer(config, web, sandbox, owns, scheduler, watch, admission, metrics, drain);
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

    /** What {@link #drainAndClose} did. */
    public record DrainReport(int runsAtRefusal, int runsKilled, Duration took) { }

    /**
     * Drains, then closes: {@code /observe/health} reports draining (503) at once; new runs are still taken for
     * {@link ServerConfig#drainDelay()}, so a load balancer has time to notice; then new runs are refused (WebSocket
     * 1013, v0 503) while runs in flight (and runs already queued) go on for up to {@link ServerConfig#drainGrace()};
     * whatever is left then is killed by {@link #close()}, which also removes the sandbox's cgroups and state.
     * Interrupting the calling thread skips the remaining wait and closes at once.
     */
    public DrainReport drainAndClose() {
        long t0 = System.nanoTime();
        drain.begin("stopping");
        int atRefusal = 0;
        int left = 0;
        try {
            LOG.log(Level.INFO, "draining: /observe/health reports 503; new runs are still taken for {0} ms",
                    Long.toString(config.drainDelay().toMillis()));
            Thread.sleep(config.drainDelay());
            admission.refuseNew();
            atRefusal = drain.deliveries();
            LOG.log(Level.INFO, "draining: new runs refused; {0} runs in flight get up to {1} s",
                    Integer.toString(atRefusal), Long.toString(config.drainGrace().toSeconds()));
            if (!drain.awaitIdle(config.drainGrace())) left = drain.deliveries();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            admission.refuseNew();
            left = drain.deliveries();
        }
        if (left > 0) LOG.log(Level.WARNING, "draining: killing the {0} runs still going", Integer.toString(left));
        close();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.log(Level.INFO, "drained in {0} ms ({1} runs killed)", Long.toString(took.toMillis()), Integer.toString(left));
        return new DrainReport(atRefusal, left, took);
    }

    /** Whether {@link #drainAndClose} has begun. */
    public boolean draining() {
        return drain.draining();
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
