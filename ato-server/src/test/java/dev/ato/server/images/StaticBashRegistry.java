package dev.ato.server.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real registry (Debian's docker-registry) on a free loopback port, holding one image with nothing but a
 * static bash at {@code /bin/bash} and {@code PATH=/bin FROM_IMAGE=yes}, built by umoci and pushed by skopeo.
 * Nothing of the host image is in it, so a run that sees {@code /usr/bin/apt} did not run in it.
 */
final class StaticBashRegistry implements AutoCloseable {
    private final Process registry;
    private final String reference;

    private StaticBashRegistry(Process registry, String reference) {
        this.registry = registry;
        this.reference = reference;
    }

    /** Builds the image, starts the registry with its data under {@code work}, and pushes the image to it. */
    static StaticBashRegistry start(Path work) throws Exception {
        Path bashStatic = Path.of("/bin/bash-static");
        assertThat(bashStatic).as("bash-static is in setup/packages/runtime.txt").exists();

        Path layout = work.resolve("layout");
        run("umoci", "init", "--layout", layout.toString());
        run("umoci", "new", "--image", layout + ":1");
        run("umoci", "config", "--image", layout + ":1", "--config.env=PATH=/bin", "--config.env=FROM_IMAGE=yes");
        run("umoci", "insert", "--image", layout + ":1", bashStatic.toString(), "/bin/bash");

        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path cfg = work.resolve("registry.yml");
        Files.writeString(cfg, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(work.resolve("registry-data"), port));
        Process registry = new ProcessBuilder("docker-registry", "serve", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(work.resolve("registry.log").toFile()).start();
        StaticBashRegistry r = new StaticBashRegistry(registry, "127.0.0.1:" + port + "/ato-test/static-bash:1");
        try {
            waitForRegistry(port, registry);
            run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + layout + ":1", "docker://" + r.reference);
            return r;
        } catch (Exception | AssertionError e) {
            r.close();
            throw e;
        }
    }

    /** The pushed image's reference, {@code 127.0.0.1:PORT/ato-test/static-bash:1}. */
    String reference() {
        return reference;
    }

    /** Runs a command, failing with its output when it fails or takes over two minutes. */
    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(List.of(cmd) + " failed:\n" + out);
        return out;
    }

    private static void waitForRegistry(int port, Process registry) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            assertThat(registry.isAlive()).as("docker-registry exited").isTrue();
            assertThat(System.nanoTime()).as("docker-registry did not start").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** Stops the registry. */
    @Override
    public void close() {
        registry.destroy();
        try {
            if (!registry.waitFor(10, TimeUnit.SECONDS)) registry.destroyForcibly();
        } catch (InterruptedException e) {
            registry.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
