package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ato serve --port 0} in a process of its own (a launcher, or the command line's main in a child JVM), with
 * its own cgroup name, run and state directories; what it prints is kept, and its port read from
 * {@code ato: serving on http://127.0.0.1:PORT}.
 */
final class ChildServer implements AutoCloseable {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final String cgroup;
    final Path runDir;
    private final Path stateDir;
    private final Thread reader;
    private volatile URI base;

    /** The server's main in a child JVM on this test's class path. */
    static List<String> javaMain() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp, "dev.ato.cli.Main");
    }

    /** Starts {@code command serve --port 0} with {@code env}; returns once it listens. */
    ChildServer(String tag, List<String> command, Map<String, String> env) throws Exception {
        cgroup = "ato-child-" + tag + "-" + ProcessHandle.current().pid();
        runDir = Path.of("/run", cgroup);
        stateDir = Files.createTempDirectory("ato-child-state");
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of("serve", "--port", "0"));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("ATO_") || k.equals("NOTIFY_SOCKET"));
        pb.environment().putAll(Map.of("ATO_CGROUP", cgroup, "ATO_RUN_DIR", runDir.toString(),
                "ATO_STATE_DIR", stateDir.toString(), "ATO_HEALTH_CACHE", "0s"));
        pb.environment().putAll(env);
        process = pb.start();
        reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                Pattern serving = Pattern.compile("ato: serving on http://127\\.0\\.0\\.1:(\\d+)");
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                    Matcher m = serving.matcher(line);
                    if (m.find()) base = URI.create("http://127.0.0.1:" + m.group(1));
                }
            } catch (Exception ignored) {
                // the process ended
            }
        });
        Await.until("the child server listens (its output: " + lines + ")", Duration.ofSeconds(60),
                () -> base != null || !process.isAlive());
        assertThat(base).as("child output: %s", lines).isNotNull();
    }

    URI base() {
        return base;
    }

    /** SIGTERM, without closing our end of its output as {@link Process#destroy()} would. */
    void terminate() {
        process.toHandle().destroy();
    }

    /** Waits for the process to end; then everything it printed is in {@link #lines}. */
    boolean exited(Duration max) throws Exception {
        if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) return false;
        reader.join(10_000);
        return true;
    }

    int health() throws Exception {
        return Wire.HTTP.send(HttpRequest.newBuilder(base.resolve("/observe/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    HttpResponse<byte[]> v0(String code) throws Exception {
        return Wire.HTTP.send(HttpRequest.newBuilder(base.resolve("/api/v0/execute"))
                .header("Content-Type", "application/msgpack")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Wire.Req.of("bash", code).bytes())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** This server's cgroup directories under every cgroup mount of the host. */
    List<Path> cgroupsLeft() throws Exception {
        List<Path> left = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash > 0 && f[dash + 1].startsWith("cgroup")) {
                Path p = Path.of(f[4]).resolve(cgroup);
                if (Files.exists(p)) left.add(p);
            }
        }
        return left;
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        TestDirs.deleteTree(stateDir);
    }
}
