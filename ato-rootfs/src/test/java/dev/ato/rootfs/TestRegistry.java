package dev.ato.rootfs;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's docker-registry (the distribution project's registry) on a free loopback port, with its own
 * config and storage under a temp directory, optionally behind htpasswd basic auth. Stopped by close().
 */
public final class TestRegistry implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dir;

    private TestRegistry(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Starts a registry; with a user, htpasswd basic auth (bcrypt, as the registry requires). */
    public static TestRegistry start(Path dir, String user, String password) throws Exception {
        Files.createDirectories(dir);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        StringBuilder cfg = new StringBuilder("""
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                  secret: test-secret
                """.formatted(dir.resolve("data"), port));
        if (user != null) {
            Path htpasswd = dir.resolve("htpasswd");
            Cmd.run("htpasswd", "-Bbc", htpasswd.toString(), user, password);
            cfg.append("""
                    auth:
                      htpasswd:
                        realm: test-realm
                        path: %s
                    """.formatted(htpasswd));
        }
        Path cfgFile = dir.resolve("config.yml");
        Files.writeString(cfgFile, cfg);
        Process p = new ProcessBuilder("docker-registry", "serve", cfgFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        TestRegistry r = new TestRegistry(p, port, dir);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                HttpResponse<Void> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(), HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() == 200 || resp.statusCode() == 401) return r;
            } catch (IOException e) {
                // not up yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                r.close();
                throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
            }
            Thread.sleep(100);
        }
    }

    /** host:port, as written in image references. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    /** The port. */
    public int port() {
        return port;
    }

    /** Pushes tag {@code tag} of an OCI layout to {@code repo:tag} with skopeo. */
    public void push(Path layout, String tag, String repoAndTag, String creds) {
        push(layout, tag, repoAndTag, creds, List.of());
    }

    /** Pushes with extra skopeo options, e.g. {@code --format=v2s2} for Docker's manifest format. */
    public void push(Path layout, String tag, String repoAndTag, String creds, List<String> options) {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "copy", "--quiet", "--dest-tls-verify=false"));
        cmd.addAll(options);
        if (creds != null) cmd.add("--dest-creds=" + creds);
        cmd.add("oci:" + layout + ":" + tag);
        cmd.add("docker://" + host() + "/" + repoAndTag);
        Cmd.run(cmd);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
