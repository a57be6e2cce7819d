package dev.ato.server;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Everything an {@link AtoServer} is started with: plain settings only (the sandbox, catalog and image resolver an
 * embedder supplies go to {@link AtoServer#builder(ServerConfig)}). Immutable; make one with {@link #builder()} or
 * {@link #load(Optional)} (a YAML file plus {@code ATO_*} environment overrides).
 *
 * <p>Each key is declared once, in {@link Key}: its YAML name, environment variable, default, parser, check and
 * documentation. The typed getters and builder setters below are one line each over that table; the README's
 * key table is {@link Key#markdownTable()} (checked by {@code ServerConfigTest}).
 *
 * <p>Its size (about 480 lines) is mostly the key table: one declaration per key with its documentation.
 */
public final class ServerConfig {
    private final Map<Key<?>, Object> values;
    private final Limits limits;

    private ServerConfig(Builder b) {
        this.values = new IdentityHashMap<>(b.values);
        this.limits = new Limits(get(Key.TIMEOUT), get(Key.MEMORY), get(Key.PIDS), get(Key.OUTPUT), get(Key.FILE_SIZE),
                get(Key.TMPFS), get(Key.CPUS));
    }

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        return b;
    }

    /** The value of a key. */
    @SuppressWarnings("unchecked")
    public <T> T get(Key<T> key) {
        return (T) values.get(key);
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
            for (Map.Entry<String, String> e : readYaml(file.get()).entrySet()) {
                Key<?> key = Key.byYamlName(e.getKey())
                        .orElseThrow(() -> new IllegalArgumentException(file.get() + ": unknown key '" + e.getKey()
                                + "' (known: " + Key.values().stream().map(Key::yamlName).toList() + ")"));
                key.apply(b, e.getValue(), file.get() + ": " + key.yamlName());
            }
        }
        for (Key<?> key : Key.values()) {
            String v = environment.get(key.envName());
            if (v != null && !v.isBlank()) key.apply(b, v.trim(), "environment " + key.envName());
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
        flatten("", m, flat);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> m, Map<String, String> out) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = prefix + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> sub) {
                flatten(k + ".", sub, out);
            } else if (v instanceof List<?> list) {
                out.put(k, list.stream().map(String::valueOf).collect(Collectors.joining(",")));
            } else {
                out.put(k, v == null ? "" : String.valueOf(v));
            }
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

    /** A comma-separated list; empty text is the empty list. */
    private static List<String> parseList(String s) {
        return s.isBlank() ? List.of() : List.of(s.trim().split("\\s*,\\s*"));
    }

    // The typed view of the table: one line per key, documented in Key.

    /** {@link Key#BIND}. */
    public String bindAddress() { return get(Key.BIND); }

    /** {@link Key#PORT}. */
    public int port() { return get(Key.PORT); }

    /** {@link Key#TRUSTED_PROXIES}. */
    public List<String> trustedProxies() { return get(Key.TRUSTED_PROXIES); }

    /** {@link Key#MAX_RUNS}. */
    public int maxRuns() { return get(Key.MAX_RUNS); }

    /** {@link Key#MAX_RUNS_PER_CLIENT}. */
    public int maxRunsPerClient() { return get(Key.MAX_RUNS_PER_CLIENT); }

    /** {@link Key#QUEUE_LENGTH}. */
    public int queueLength() { return get(Key.QUEUE_LENGTH); }

    /** {@link Key#QUEUE_WAIT}. */
    public Duration queueWait() { return get(Key.QUEUE_WAIT); }

    /**
     * Per-run limits, from the {@code limits.*} keys; {@code limits().timeout()} is the longest timeout a request
     * may ask for.
     */
    public Limits limits() { return limits; }

    /** {@link Key#CLIENT_MEMORY}. */
    public long clientMemoryBytes() { return get(Key.CLIENT_MEMORY); }

    /** {@link Key#CLIENT_PIDS}. */
    public int clientPids() { return get(Key.CLIENT_PIDS); }

    /** {@link Key#STATE_DIR}. */
    public Path stateDir() { return get(Key.STATE_DIR); }

    /** {@link Key#RUN_DIR}. */
    public Path runDir() { return get(Key.RUN_DIR); }

    /** {@link Key#IMAGE_DIR}. */
    public Path imageDir() { return get(Key.IMAGE_DIR); }

    /** {@link Key#CGROUP}. */
    public String cgroupName() { return get(Key.CGROUP); }

    /** {@link Key#HEALTH_CACHE}. */
    public Duration healthCacheTime() { return get(Key.HEALTH_CACHE); }

    /** {@link Key#ALLOWED_ORIGINS}: empty accepts any origin. */
    public List<String> allowedOrigins() { return get(Key.ALLOWED_ORIGINS); }

    /** {@link Key#DRAIN_DELAY}. */
    public Duration drainDelay() { return get(Key.DRAIN_DELAY); }

    /** {@link Key#DRAIN_GRACE}. */
    public Duration drainGrace() { return get(Key.DRAIN_GRACE); }

    /**
     * The configuration of the sandbox these settings describe: {@link #runDir()} as its state directory,
     * {@link #cgroupName()}, {@link #limits()} as its default limits and the per-client aggregate limits.
     */
    public SandboxConfig sandboxConfig() {
        return SandboxConfig.builder().stateDir(runDir()).cgroupName(cgroupName()).defaultLimits(limits)
                .clientLimits(clientMemoryBytes(), clientPids()).build();
    }

    /** Builds a {@link ServerConfig}; every setter checks its value as the key does. */
    public static final class Builder {
        private final Map<Key<?>, Object> values = new IdentityHashMap<>();

        private Builder() {
            for (Key<?> k : Key.values()) values.put(k, k.defaultValue);
        }

        /** Sets a key (checked as when read from a file). */
        public <T> Builder set(Key<T> key, T value) {
            values.put(key, key.check.apply(Objects.requireNonNull(value, key.yamlName())));
            return this;
        }

        public Builder bindAddress(String a) { return set(Key.BIND, a); }

        public Builder port(int p) { return set(Key.PORT, p); }

        public Builder trustedProxies(List<String> proxies) { return set(Key.TRUSTED_PROXIES, proxies); }

        public Builder maxRuns(int n) { return set(Key.MAX_RUNS, n); }

        public Builder maxRunsPerClient(int n) { return set(Key.MAX_RUNS_PER_CLIENT, n); }

        public Builder queueLength(int n) { return set(Key.QUEUE_LENGTH, n); }

        public Builder queueWait(Duration d) { return set(Key.QUEUE_WAIT, d); }

        /** Sets every {@code limits.*} key of a run at once. */
        public Builder limits(Limits l) {
            return set(Key.TIMEOUT, l.timeout()).set(Key.MEMORY, l.memoryBytes()).set(Key.PIDS, l.pids())
                    .set(Key.OUTPUT, l.outputBytes()).set(Key.FILE_SIZE, l.fileSizeBytes()).set(Key.TMPFS, l.tmpfsBytes())
                    .set(Key.CPUS, l.cpuMillis());
        }

        public Builder clientMemoryBytes(long m) { return set(Key.CLIENT_MEMORY, m); }

        public Builder clientPids(int p) { return set(Key.CLIENT_PIDS, p); }

        public Builder stateDir(Path p) { return set(Key.STATE_DIR, p); }

        public Builder runDir(Path p) { return set(Key.RUN_DIR, p); }

        public Builder imageDir(Path p) { return set(Key.IMAGE_DIR, p); }

        public Builder cgroupName(String n) { return set(Key.CGROUP, n); }

        public Builder healthCacheTime(Duration d) { return set(Key.HEALTH_CACHE, d); }

        public Builder allowedOrigins(List<String> origins) { return set(Key.ALLOWED_ORIGINS, origins); }

        public Builder drainDelay(Duration d) { return set(Key.DRAIN_DELAY, d); }

        public Builder drainGrace(Duration d) { return set(Key.DRAIN_GRACE, d); }

        /** The configuration. */
        public ServerConfig build() {
            return new ServerConfig(this);
        }
    }

    /**
     * One configuration key: its YAML name, environment variable, default (as written in the file, parsed by the
     * key's own parser), parser, check and the README's one-line meaning. The constants are the whole table.
     *
     * @param <T> the type of its value
     */
    public static final class Key<T> {
        private static final List<Key<?>> ALL = new ArrayList<>();

        /** Address to listen on; a {@code host:port} value (ATO's {@code ATO_BIND}) sets {@link #PORT} too. */
        public static final Key<String> BIND = new Key<>("server.bind", "ATO_BIND", "127.0.0.1",
                "address to listen on (`host:port` accepted, as ATO's `ATO_BIND`)", s -> s,
                a -> require(a, !a.isBlank(), "empty bind address"));
        public static final Key<Integer> PORT = new Key<>("server.port", "ATO_PORT", "8500",
                "TCP port (0 = any free port)", Integer::valueOf,
                p -> require(p, p >= 0 && p <= 65535, "port out of 0..65535: " + p));
        public static final Key<List<String>> TRUSTED_PROXIES = new Key<>("server.trusted-proxies", "ATO_TRUSTED_PROXIES", "",
                "proxy IPs (list, or comma-separated) whose `X-Forwarded-For` is believed", ServerConfig::parseList,
                List::copyOf);
        public static final Key<Duration> HEALTH_CACHE = new Key<>("server.health-cache", "ATO_HEALTH_CACHE", "3s",
                "how long a health answer is reused", ServerConfig::parseDuration, d -> notNegative(d, "health cache time"));
        public static final Key<List<String>> ALLOWED_ORIGINS = new Key<>("server.allowed-origins", "ATO_ALLOWED_ORIGINS", "*",
                "`Origin`s a WebSocket upgrade may come from: `*` = any (as ATO), or a list of `scheme://host[:port]` "
                        + "(others get 403; an upgrade without `Origin` is always accepted)",
                s -> s.trim().equals("*") ? List.of() : parseList(s), Key::checkOrigins);
        public static final Key<Duration> DRAIN_DELAY = new Key<>("server.drain-delay", "ATO_DRAIN_DELAY", "5s",
                "after SIGTERM: health already answers 503, new runs still taken this long", ServerConfig::parseDuration,
                d -> notNegative(d, "drain delay"));
        public static final Key<Duration> DRAIN_GRACE = new Key<>("server.drain-grace", "ATO_DRAIN_GRACE", "60s",
                "then new runs are refused and runs in flight get this long before they are killed",
                ServerConfig::parseDuration, d -> notNegative(d, "drain grace"));
        public static final Key<Integer> MAX_RUNS = new Key<>("runs.max-concurrent", "ATO_MAX_RUNS", "32",
                "runs at once, all clients (lowered to fit MemTotal)", Integer::valueOf,
                n -> require(n, n >= 1, "max runs must be at least 1: " + n));
        public static final Key<Integer> MAX_RUNS_PER_CLIENT = new Key<>("runs.max-per-client", "ATO_MAX_RUNS_PER_CLIENT", "16",
                "runs at once of one client key", Integer::valueOf,
                n -> require(n, n >= 1, "max runs per client must be at least 1: " + n));
        public static final Key<Integer> QUEUE_LENGTH = new Key<>("runs.queue-length", "ATO_QUEUE_LENGTH", "64",
                "runs that may wait for a slot", Integer::valueOf, n -> require(n, n >= 0, "negative queue length: " + n));
        public static final Key<Duration> QUEUE_WAIT = new Key<>("runs.queue-wait", "ATO_QUEUE_WAIT", "10s",
                "longest wait before a refusal", ServerConfig::parseDuration, d -> notNegative(d, "queue wait"));
        // The limits.* keys are checked by Limits itself (one place for what a run can work with).
        public static final Key<Duration> TIMEOUT = new Key<>("limits.timeout", "ATO_TIMEOUT", "60s",
                "longest timeout a request may use", ServerConfig::parseDuration,
                t -> Limits.defaults().withTimeout(t).timeout());
        public static final Key<Long> MEMORY = new Key<>("limits.memory", "ATO_MEMORY", "512MiB",
                "memory per run (swap off)", ServerConfig::parseSize, m -> Limits.defaults().withMemoryBytes(m).memoryBytes());
        public static final Key<Integer> PIDS = new Key<>("limits.pids", "ATO_PIDS", "100",
                "processes per run", Integer::valueOf, p -> Limits.defaults().withPids(p).pids());
        public static final Key<Long> OUTPUT = new Key<>("limits.output", "ATO_OUTPUT", "128KiB",
                "bytes per output stream, then `*_truncated`", ServerConfig::parseSize,
                o -> Limits.defaults().withOutputBytes(o).outputBytes());
        public static final Key<Long> FILE_SIZE = new Key<>("limits.file-size", "ATO_FILE_SIZE", "128MiB",
                "largest file a run may write", ServerConfig::parseSize,
                f -> Limits.defaults().withFileSizeBytes(f).fileSizeBytes());
        public static final Key<Long> TMPFS = new Key<>("limits.tmpfs", "ATO_TMPFS", "640MiB",
                "size of each tmpfs of a run", ServerConfig::parseSize, t -> Limits.defaults().withTmpfsBytes(t).tmpfsBytes());
        /** CPU quota in thousandths of a CPU; the file and the environment give CPUs ({@code 0.5}). */
        public static final Key<Integer> CPUS = new Key<>("limits.cpus", "ATO_CPUS", "1",
                "CPU time per run (a quota, e.g. `0.5`; the run's processes share it)",
                s -> new BigDecimal(s).movePointRight(3).intValueExact(), c -> Limits.defaults().withCpuMillis(c).cpuMillis());
        public static final Key<Long> CLIENT_MEMORY = new Key<>("limits.client-memory", "ATO_CLIENT_MEMORY", "8GiB",
                "memory of one client's runs together", ServerConfig::parseSize,
                m -> require(m, m >= (4L << 20), "client memory below 4 MiB: " + m));
        public static final Key<Integer> CLIENT_PIDS = new Key<>("limits.client-pids", "ATO_CLIENT_PIDS", "512",
                "processes of one client's runs together", Integer::valueOf,
                p -> require(p, p >= 2, "client pids below 2: " + p));
        public static final Key<Path> STATE_DIR = new Key<>("paths.state-dir", "ATO_STATE_DIR", "/var/lib/ato",
                "persistent state (client-key secret)", Path::of, p -> absolute(p, "state dir"));
        public static final Key<Path> RUN_DIR = new Key<>("paths.run-dir", "ATO_RUN_DIR", "/run/ato",
                "per-run sandbox state, swept at start", Path::of, p -> absolute(p, "run dir"));
        public static final Key<Path> IMAGE_DIR = new Key<>("paths.image-dir", "ATO_IMAGE_DIR", "/var/lib/ato/images",
                "image store", Path::of, p -> absolute(p, "image dir"));
        public static final Key<String> CGROUP = new Key<>("paths.cgroup", "ATO_CGROUP", "ato",
                "cgroup name under each controller root", s -> s,
                n -> require(n, n.matches("[A-Za-z0-9_.-]{1,64}"), "bad cgroup name: " + n));

        private final String yamlName;
        private final String envName;
        private final String defaultText;
        private final String doc;
        private final Function<String, T> parser;
        private final UnaryOperator<T> check;
        private final T defaultValue;

        private Key(String yamlName, String envName, String defaultText, String doc, Function<String, T> parser,
                UnaryOperator<T> check) {
            this.yamlName = yamlName;
            this.envName = envName;
            this.defaultText = defaultText;
            this.doc = doc;
            this.parser = parser;
            this.check = check;
            this.defaultValue = parse(defaultText);
            ALL.add(this);
        }

        /** Every key, in the README's order. */
        public static List<Key<?>> values() {
            return List.copyOf(ALL);
        }

        /** The dotted YAML path, e.g. {@code runs.max-concurrent}. */
        public String yamlName() { return yamlName; }

        /** The environment variable, e.g. {@code ATO_MAX_RUNS}. */
        public String envName() { return envName; }

        /** The default as written in the file ({@code ""} for an empty list). */
        public String defaultValue() { return defaultText; }

        /** What the key means, one line of Markdown (the README's table). */
        public String doc() { return doc; }

        /** Parses and checks a value as written in the file or the environment. */
        public T parse(String text) {
            return check.apply(parser.apply(text));
        }

        @Override
        public String toString() {
            return yamlName;
        }

        /** The README's table of every key, one row each. */
        public static String markdownTable() {
            StringBuilder s = new StringBuilder("| YAML key | environment | default | meaning |\n|---|---|---|---|\n");
            for (Key<?> k : ALL) {
                s.append("| `").append(k.yamlName).append("` | `").append(k.envName).append("` | ")
                        .append(k.defaultText.isEmpty() ? "none" : "`" + k.defaultText + "`").append(" | ")
                        .append(k.doc).append(" |\n");
            }
            return s.toString();
        }

        private void apply(Builder b, String text, String where) {
            try {
                int colon = text.lastIndexOf(':');
                if (this == BIND && colon > 0 && !text.endsWith("]") && text.indexOf(':') == colon) {
                    b.set(BIND, BIND.parse(text.substring(0, colon)));
                    b.set(PORT, PORT.parse(text.substring(colon + 1)));
                } else {
                    b.set(this, parse(text));
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(where + ": bad value '" + text + "': " + e.getMessage(), e);
            }
        }

        static Optional<Key<?>> byYamlName(String name) {
            return ALL.stream().filter(k -> k.yamlName.equals(name)).findFirst().map(k -> (Key<?>) k);
        }

        private static <V> V require(V value, boolean ok, String problem) {
            if (!ok) throw new IllegalArgumentException(problem);
            return value;
        }

        private static Duration notNegative(Duration d, String what) {
            return require(d, !d.isNegative(), "negative " + what + ": " + d);
        }

        private static Path absolute(Path p, String what) {
            return require(p, p.isAbsolute(), what + " must be an absolute path: " + p);
        }

        private static List<String> checkOrigins(List<String> origins) {
            for (String o : origins) {
                URI u;
                try {
                    u = new URI(o);
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("bad origin '" + o + "': " + e.getReason());
                }
                if (u.getScheme() == null || u.getHost() == null || (u.getRawPath() != null && !u.getRawPath().isEmpty())
                        || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                    throw new IllegalArgumentException("bad origin '" + o
                            + "': expected scheme://host[:port] as browsers send it, e.g. https://ato.example.org");
                }
            }
            return List.copyOf(origins);
        }
    }
}
