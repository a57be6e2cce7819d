package dev.ato.server;

import dev.ato.languages.LanguageCatalog;
import dev.ato.sandbox.Limits;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Everything an {@link AtoServer} is started with. Immutable; make one with {@link #builder()} or
 * {@link #load(Optional)} (a YAML file plus {@code ATO_*} environment overrides).
 *
 * <p>Every key, its environment variable and its default are listed in {@link Key}; the README documents
 * the same table.
 */
public final class ServerConfig {
    private final String bindAddress;
    private final int port;
    private final List<String> trustedProxies;
    private final int maxRuns;
    private final int maxRunsPerClient;
    private final int queueLength;
    private final Duration queueWait;
    private final Limits limits;
    private final long clientMemoryBytes;
    private final int clientPids;
    private final Path stateDir;
    private final Path runDir;
    private final Path imageDir;
    private final String cgroupName;
    private final Duration healthCacheTime;
    private final List<String> allowedOrigins;
    private final Duration drainDelay;
    private final Duration drainGrace;
    private final Sandbox sandbox;
    private final LanguageCatalog catalog;
    private final ImageResolver imageResolver;

    private ServerConfig(Builder b) {
        this.bindAddress = b.bindAddress;
        this.port = b.port;
        this.trustedProxies = List.copyOf(b.trustedProxies);
        this.maxRuns = b.maxRuns;
        this.maxRunsPerClient = b.maxRunsPerClient;
        this.queueLength = b.queueLength;
        this.queueWait = b.queueWait;
        this.limits = b.limits;
        this.clientMemoryBytes = b.clientMemoryBytes;
        this.clientPids = b.clientPids;
        this.stateDir = b.stateDir;
        this.runDir = b.runDir;
        this.imageDir = b.imageDir;
        this.cgroupName = b.cgroupName;
        this.healthCacheTime = b.healthCacheTime;
        this.allowedOrigins = List.copyOf(b.allowedOrigins);
        this.drainDelay = b.drainDelay;
        this.drainGrace = b.drainGrace;
        this.sandbox = b.sandbox;
        this.catalog = b.catalog;
        this.imageResolver = b.imageResolver;
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.bindAddress = bindAddress;
        b.port = port;
        b.trustedProxies = new ArrayList<>(trustedProxies);
        b.maxRuns = maxRuns;
        b.maxRunsPerClient = maxRunsPerClient;
        b.queueLength = queueLength;
        b.queueWait = queueWait;
        b.limits = limits;
        b.clientMemoryBytes = clientMemoryBytes;
        b.clientPids = clientPids;
        b.stateDir = stateDir;
        b.runDir = runDir;
        b.imageDir = imageDir;
        b.cgroupName = cgroupName;
        b.healthCacheTime = healthCacheTime;
        b.allowedOrigins = new ArrayList<>(allowedOrigins);
        b.drainDelay = drainDelay;
        b.drainGrace = drainGrace;
        b.sandbox = sandbox;
        b.catalog = catalog;
        b.imageResolver = imageResolver;
        return b;
    }

    /**
     * Reads the YAML file (when given) and then the process environment's {@code ATO_*} overrides.
     *
     * @throws IllegalArgumentException naming the file, key and bad value
     */
    public static ServerConfig load(Optional<Path> file) {
        return load(file, System.getenv());
    }

    /** Same as {@link #load(Optional)} with an explicit environment (for tests). */
    public static ServerConfig load(Optional<Path> file, Map<String, String> environment) {
        Builder b = builder();
        if (file.isPresent()) {
            Map<String, String> flat = readYaml(file.get());
            for (Map.Entry<String, String> e : flat.entrySet()) {
                Key key = Key.byYamlName(e.getKey())
                        .orElseThrow(() -> new IllegalArgumentException(file.get() + ": unknown key '" + e.getKey()
                                + "' (known: " + Key.yamlNames() + ")"));
                apply(b, key, e.getValue(), file.get() + ": " + key.yamlName);
            }
        }
        for (Key key : Key.values()) {
            String v = environment.get(key.envName);
            if (v != null && !v.isBlank()) apply(b, key, v.trim(), "environment " + key.envName);
        }
        return b.build();
    }

    private static Map<String, String> readYaml(Path file) {
        LoaderOptions opts = new LoaderOptions();
        opts.setMaxAliasesForCollections(10);
        opts.setCodePointLimit(1 << 20);
        Object root;
        try (InputStream in = Files.newInputStream(file)) {
            root = new Yaml(new SafeConstructor(opts)).load(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("config file " + file + " is not valid YAML: " + e.getMessage(), e);
        }
        Map<String, String> flat = new LinkedHashMap<>();
        if (root == null) return flat;
        if (!(root instanceof Map<?, ?> m)) throw new IllegalArgumentException(file + ": expected a mapping at the top");
        flatten("", m, flat, file);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> m, Map<String, String> out, Path file) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> sub) {
                flatten(k + ".", sub, out, file);
            } else if (v instanceof List<?> list) {
                List<String> parts = new ArrayList<>();
                for (Object o : list) parts.add(String.valueOf(o));
                out.put(k, String.join(",", parts));
            } else {
                out.put(k, v == null ? "" : String.valueOf(v));
            }
        }
    }

    private static void apply(Builder b, Key key, String value, String where) {
        try {
            switch (key) {
                case BIND -> {
                    // ATO's ATO_BIND is host:port; a bare host is accepted too.
                    int colon = value.lastIndexOf(':');
                    if (colon > 0 && !value.endsWith("]") && value.indexOf(':') == colon) {
                        b.bindAddress(value.substring(0, colon));
                        b.port(Integer.parseInt(value.substring(colon + 1)));
                    } else {
                        b.bindAddress(value);
                    }
                }
                case PORT -> b.port(Integer.parseInt(value));
                case TRUSTED_PROXIES -> b.trustedProxies(value.isBlank() ? List.of()
                        : List.of(value.split("\\s*,\\s*")));
                case MAX_RUNS -> b.maxRuns(Integer.parseInt(value));
                case MAX_RUNS_PER_CLIENT -> b.maxRunsPerClient(Integer.parseInt(value));
                case QUEUE_LENGTH -> b.queueLength(Integer.parseInt(value));
                case QUEUE_WAIT -> b.queueWait(parseDuration(value));
                case TIMEOUT -> b.limits(b.limits.withTimeout(parseDuration(value)));
                case MEMORY -> b.limits(b.limits.withMemoryBytes(parseSize(value)));
                case PIDS -> b.limits(b.limits.withPids(Integer.parseInt(value)));
                case OUTPUT -> b.limits(b.limits.withOutputBytes(parseSize(value)));
                case FILE_SIZE -> b.limits(b.limits.withFileSizeBytes(parseSize(value)));
                case TMPFS -> b.limits(b.limits.withTmpfsBytes(parseSize(value)));
                case CPUS -> b.limits(b.limits.withCpuMillis(new java.math.BigDecimal(value).movePointRight(3).intValueExact()));
                case CLIENT_MEMORY -> b.clientMemoryBytes(parseSize(value));
                case CLIENT_PIDS -> b.clientPids(Integer.parseInt(value));
                case STATE_DIR -> b.stateDir(Path.of(value));
                case RUN_DIR -> b.runDir(Path.of(value));
                case IMAGE_DIR -> b.imageDir(Path.of(value));
                case CGROUP -> b.cgroupName(value);
                case HEALTH_CACHE -> b.healthCacheTime(parseDuration(value));
                case ALLOWED_ORIGINS -> b.allowedOrigins(value.isBlank() || value.trim().equals("*") ? List.of()
                        : List.of(value.trim().split("\\s*,\\s*")));
                case DRAIN_DELAY -> b.drainDelay(parseDuration(value));
                case DRAIN_GRACE -> b.drainGrace(parseDuration(value));
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(where + ": bad value '" + value + "': " + e.getMessage(), e);
        }
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);

    /** Parses {@code 512MiB}, {@code 64k}, {@code 1G} or plain bytes (binary units). */
    static long parseSize(String s) {
        Matcher m = SIZE.matcher(s.trim());
        if (!m.matches()) throw new IllegalArgumentException("expected a size like 512MiB, 64KiB or 1048576");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        int shift = switch (unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) throw new IllegalArgumentException("size too large");
        return n << shift;
    }

    /** Parses {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h} or plain seconds. */
    static Duration parseDuration(String s) {
        Matcher m = DURATION.matcher(s.trim());
        if (!m.matches()) throw new IllegalArgumentException("expected a duration like 10s, 500ms or 2m");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2).toLowerCase(Locale.ROOT);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** The address to listen on (default {@code 127.0.0.1}). */
    public String bindAddress() { return bindAddress; }

    /** The TCP port (default 8500; 0 picks a free one). */
    public int port() { return port; }

    /** Peers whose {@code X-Forwarded-For} header names the real client (default none). */
    public List<String> trustedProxies() { return trustedProxies; }

    /** Most runs at once, all clients together (default 32; lowered further so memory limits fit MemTotal). */
    public int maxRuns() { return maxRuns; }

    /** Most runs at once of one client (default 16). */
    public int maxRunsPerClient() { return maxRunsPerClient; }

    /** Most runs waiting for a slot (default 64); past it, requests are refused. */
    public int queueLength() { return queueLength; }

    /** Longest a run waits for a slot before it is refused (default 10 s). */
    public Duration queueWait() { return queueWait; }

    /** Per-run limits; {@code limits().timeout()} is the longest timeout a request may ask for (60 s). */
    public Limits limits() { return limits; }

    /** Aggregate memory limit of one client's runs together (default 8 GiB). */
    public long clientMemoryBytes() { return clientMemoryBytes; }

    /** Aggregate process limit of one client's runs together (default 512). */
    public int clientPids() { return clientPids; }

    /** Persistent state: the client-key secret (default {@code /var/lib/ato}). */
    public Path stateDir() { return stateDir; }

    /** Per-run state of the sandbox, swept at start (default {@code /run/ato}). */
    public Path runDir() { return runDir; }

    /** The image store (default {@code /var/lib/ato/images}). */
    public Path imageDir() { return imageDir; }

    /** Name of the sandbox's cgroup under each controller root (default {@code ato}). */
    public String cgroupName() { return cgroupName; }

    /**
     * The configuration of the sandbox these settings describe: {@link #runDir()} as its state directory,
     * {@link #cgroupName()}, {@link #limits()} as its default limits and the per-client aggregate limits.
     */
    public SandboxConfig sandboxConfig() {
        return SandboxConfig.defaults()
                .withStateDir(runDir)
                .withCgroupName(cgroupName)
                .withDefaultLimits(limits)
                .withClientLimits(clientMemoryBytes, clientPids);
    }

    /** How long a health probe's answer is reused (default 3 s). */
    public Duration healthCacheTime() { return healthCacheTime; }

    /**
     * The origins a WebSocket upgrade may come from ({@code Origin} header, e.g. {@code https://ato.example.org});
     * empty (the default, {@code "*"} in the file) accepts any origin, as ATO does. A request without an
     * {@code Origin} header (not a browser) is always accepted.
     */
    public List<String> allowedOrigins() { return allowedOrigins; }

    /**
     * After SIGTERM ({@link AtoServer#drain}), how long the server keeps taking new runs while
     * {@code /observe/health} already reports draining, so that a load balancer notices first (default 5 s).
     */
    public Duration drainDelay() { return drainDelay; }

    /** After the drain delay, how long runs in flight may go on before they are killed (default 60 s). */
    public Duration drainGrace() { return drainGrace; }

    /** A sandbox supplied by the embedder (the server then does not close it). */
    public Optional<Sandbox> sandbox() { return Optional.ofNullable(sandbox); }

    /** A language catalog supplied by the embedder (default: the built-in one). */
    public Optional<LanguageCatalog> catalog() { return Optional.ofNullable(catalog); }

    /** An image resolver supplied by the embedder (default: the host image and the image store at {@link #imageDir()}). */
    public Optional<ImageResolver> imageResolver() { return Optional.ofNullable(imageResolver); }

    /** Builds a {@link ServerConfig}; every setter validates its value. */
    public static final class Builder {
        private String bindAddress = "127.0.0.1";
        private int port = 8500;
        private List<String> trustedProxies = new ArrayList<>();
        private int maxRuns = 32;
        private int maxRunsPerClient = 16;
        private int queueLength = 64;
        private Duration queueWait = Duration.ofSeconds(10);
        private Limits limits = Limits.defaults();
        private long clientMemoryBytes = 8L << 30;
        private int clientPids = 512;
        private Path stateDir = Path.of("/var/lib/ato");
        private Path runDir = Path.of("/run/ato");
        private Path imageDir = Path.of("/var/lib/ato/images");
        private String cgroupName = "ato";
        private Duration healthCacheTime = Duration.ofSeconds(3);
        private List<String> allowedOrigins = new ArrayList<>();
        private Duration drainDelay = Duration.ofSeconds(5);
        private Duration drainGrace = Duration.ofSeconds(60);
        private Sandbox sandbox;
        private LanguageCatalog catalog;
        private ImageResolver imageResolver;

        private Builder() { }

        /** Address to listen on. */
        public Builder bindAddress(String a) {
            if (a.isBlank()) throw new IllegalArgumentException("empty bind address");
            this.bindAddress = a;
            return this;
        }

        /** TCP port, 0 for a free one. */
        public Builder port(int p) {
            if (p < 0 || p > 65535) throw new IllegalArgumentException("port out of 0..65535: " + p);
            this.port = p;
            return this;
        }

        /** Proxy addresses whose {@code X-Forwarded-For} is believed. */
        public Builder trustedProxies(List<String> proxies) {
            this.trustedProxies = new ArrayList<>(proxies);
            return this;
        }

        /** Global cap on concurrent runs. */
        public Builder maxRuns(int n) {
            if (n < 1) throw new IllegalArgumentException("max runs must be at least 1: " + n);
            this.maxRuns = n;
            return this;
        }

        /** Per-client cap on concurrent runs. */
        public Builder maxRunsPerClient(int n) {
            if (n < 1) throw new IllegalArgumentException("max runs per client must be at least 1: " + n);
            this.maxRunsPerClient = n;
            return this;
        }

        /** Most runs waiting; 0 refuses at once whenever a cap is reached. */
        public Builder queueLength(int n) {
            if (n < 0) throw new IllegalArgumentException("negative queue length: " + n);
            this.queueLength = n;
            return this;
        }

        /** Longest wait for a slot. */
        public Builder queueWait(Duration d) {
            if (d.isNegative()) throw new IllegalArgumentException("negative queue wait: " + d);
            this.queueWait = d;
            return this;
        }

        /** Per-run limits. */
        public Builder limits(Limits l) {
            this.limits = Objects.requireNonNull(l);
            return this;
        }

        /** Aggregate memory of one client. */
        public Builder clientMemoryBytes(long m) {
            if (m < (4L << 20)) throw new IllegalArgumentException("client memory below 4 MiB: " + m);
            this.clientMemoryBytes = m;
            return this;
        }

        /** Aggregate processes of one client. */
        public Builder clientPids(int p) {
            if (p < 2) throw new IllegalArgumentException("client pids below 2: " + p);
            this.clientPids = p;
            return this;
        }

        /** Persistent state directory. */
        public Builder stateDir(Path p) {
            this.stateDir = absolute(p, "state dir");
            return this;
        }

        /** Sandbox run directory. */
        public Builder runDir(Path p) {
            this.runDir = absolute(p, "run dir");
            return this;
        }

        /** Image store directory. */
        public Builder imageDir(Path p) {
            this.imageDir = absolute(p, "image dir");
            return this;
        }

        /** Cgroup name. */
        public Builder cgroupName(String n) {
            if (!n.matches("[A-Za-z0-9_.-]{1,64}")) throw new IllegalArgumentException("bad cgroup name: " + n);
            this.cgroupName = n;
            return this;
        }

        /** Health answer cache time. */
        public Builder healthCacheTime(Duration d) {
            if (d.isNegative()) throw new IllegalArgumentException("negative health cache time");
            this.healthCacheTime = d;
            return this;
        }

        /** Origins a WebSocket upgrade may come from; empty accepts any. */
        public Builder allowedOrigins(List<String> origins) {
            for (String o : origins) {
                java.net.URI u;
                try {
                    u = new java.net.URI(o);
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException("bad origin '" + o + "': " + e.getReason());
                }
                if (u.getScheme() == null || u.getHost() == null || (u.getRawPath() != null && !u.getRawPath().isEmpty())
                        || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                    throw new IllegalArgumentException("bad origin '" + o
                            + "': expected scheme://host[:port] as browsers send it, e.g. https://ato.example.org");
                }
            }
            this.allowedOrigins = new ArrayList<>(origins);
            return this;
        }

        /** How long new runs are still taken after a drain starts. */
        public Builder drainDelay(Duration d) {
            if (d.isNegative()) throw new IllegalArgumentException("negative drain delay");
            this.drainDelay = d;
            return this;
        }

        /** How long runs in flight may go on once the drain delay is over. */
        public Builder drainGrace(Duration d) {
            if (d.isNegative()) throw new IllegalArgumentException("negative drain grace");
            this.drainGrace = d;
            return this;
        }

        /** Use this sandbox instead of creating one (the server will not close it). */
        public Builder sandbox(Sandbox s) {
            this.sandbox = Objects.requireNonNull(s);
            return this;
        }

        /** Use this language catalog instead of the built-in one. */
        public Builder catalog(LanguageCatalog c) {
            this.catalog = Objects.requireNonNull(c);
            return this;
        }

        /** Use this image resolver instead of the host-only one. */
        public Builder imageResolver(ImageResolver r) {
            this.imageResolver = Objects.requireNonNull(r);
            return this;
        }

        /** The configuration. */
        public ServerConfig build() {
            return new ServerConfig(this);
        }

        private static Path absolute(Path p, String what) {
            if (!p.isAbsolute()) throw new IllegalArgumentException(what + " must be an absolute path: " + p);
            return p;
        }
    }

    /** Every configuration key: its YAML name, its environment variable and its default, as documented. */
    public enum Key {
        /** Address, or {@code host:port} as ATO's {@code ATO_BIND}. */
        BIND("server.bind", "ATO_BIND", "127.0.0.1"),
        /** TCP port. */
        PORT("server.port", "ATO_PORT", "8500"),
        /** Comma-separated proxy addresses whose X-Forwarded-For is believed. */
        TRUSTED_PROXIES("server.trusted-proxies", "ATO_TRUSTED_PROXIES", "(none)"),
        /** Global cap on runs at once. */
        MAX_RUNS("runs.max-concurrent", "ATO_MAX_RUNS", "32"),
        /** Per-client cap on runs at once. */
        MAX_RUNS_PER_CLIENT("runs.max-per-client", "ATO_MAX_RUNS_PER_CLIENT", "16"),
        /** Waiting runs. */
        QUEUE_LENGTH("runs.queue-length", "ATO_QUEUE_LENGTH", "64"),
        /** Longest wait. */
        QUEUE_WAIT("runs.queue-wait", "ATO_QUEUE_WAIT", "10s"),
        /** Longest (and default) run timeout. */
        TIMEOUT("limits.timeout", "ATO_TIMEOUT", "60s"),
        /** Memory per run. */
        MEMORY("limits.memory", "ATO_MEMORY", "512MiB"),
        /** Processes per run. */
        PIDS("limits.pids", "ATO_PIDS", "100"),
        /** Bytes per output stream. */
        OUTPUT("limits.output", "ATO_OUTPUT", "128KiB"),
        /** Largest file a run may write. */
        FILE_SIZE("limits.file-size", "ATO_FILE_SIZE", "128MiB"),
        /** Size of each tmpfs of a run. */
        TMPFS("limits.tmpfs", "ATO_TMPFS", "640MiB"),
        /** CPUs per run (a quota: 0.5 is half of one CPU's time). */
        CPUS("limits.cpus", "ATO_CPUS", "1"),
        /** Memory of one client's runs together. */
        CLIENT_MEMORY("limits.client-memory", "ATO_CLIENT_MEMORY", "8GiB"),
        /** Processes of one client's runs together. */
        CLIENT_PIDS("limits.client-pids", "ATO_CLIENT_PIDS", "512"),
        /** Persistent state (client-key secret). */
        STATE_DIR("paths.state-dir", "ATO_STATE_DIR", "/var/lib/ato"),
        /** Per-run sandbox state. */
        RUN_DIR("paths.run-dir", "ATO_RUN_DIR", "/run/ato"),
        /** Image store. */
        IMAGE_DIR("paths.image-dir", "ATO_IMAGE_DIR", "/var/lib/ato/images"),
        /** Cgroup name under each controller root. */
        CGROUP("paths.cgroup", "ATO_CGROUP", "ato"),
        /** Health answer cache time. */
        HEALTH_CACHE("server.health-cache", "ATO_HEALTH_CACHE", "3s"),
        /** Origins WebSocket upgrades may come from ({@code *} = any). */
        ALLOWED_ORIGINS("server.allowed-origins", "ATO_ALLOWED_ORIGINS", "*"),
        /** New runs are still taken this long after SIGTERM. */
        DRAIN_DELAY("server.drain-delay", "ATO_DRAIN_DELAY", "5s"),
        /** Then runs in flight get this long before they are killed. */
        DRAIN_GRACE("server.drain-grace", "ATO_DRAIN_GRACE", "60s");

        private final String yamlName;
        private final String envName;
        private final String defaultValue;

        Key(String yamlName, String envName, String defaultValue) {
            this.yamlName = yamlName;
            this.envName = envName;
            this.defaultValue = defaultValue;
        }

        /** The dotted YAML path, e.g. {@code runs.max-concurrent}. */
        public String yamlName() { return yamlName; }

        /** The environment variable, e.g. {@code ATO_MAX_RUNS}. */
        public String envName() { return envName; }

        /** The default, as written in the README. */
        public String defaultValue() { return defaultValue; }

        static Optional<Key> byYamlName(String name) {
            for (Key k : values()) {
                if (k.yamlName.equals(name)) return Optional.of(k);
            }
            return Optional.empty();
        }

        static Set<String> yamlNames() {
            Set<String> s = new java.util.LinkedHashSet<>();
            for (Key k : values()) s.add(k.yamlName);
            return s;
        }
    }
}
