package dev.ato.server.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.languages.LanguageCatalog;
import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: an image built here as an OCI layout (static bash only, nothing from the host image), pushed to
 * a real registry (Debian's docker-registry on loopback), pulled into the image store, named by a language of
 * a catalog, and run by the real server and sandbox: the language passes its hello world.
 */
class RegistryImageHelloWorldTest {
    @TempDir
    Path work;

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(List.of(cmd) + " failed:\n" + out);
        return out;
    }

    @Test
    void languageWhoseImageComesFromTheRegistryPassesHelloWorld() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the sandbox and the image store need root");
        Path bashStatic = Path.of("/bin/bash-static");
        assertThat(bashStatic).as("bash-static is in setup/packages/runtime.txt").exists();

        // An image with nothing but a static bash at /bin/bash, written by umoci.
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
        try {
            waitForRegistry(port, registry);
            String ref = "127.0.0.1:" + port + "/ato-test/static-bash:1";
            run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + layout + ":1", "docker://" + ref);

            Path storeRoot = work.resolve("images");
            StoredImage img = ImageStore.open(storeRoot, StoreConfig.defaults()).pull(ImageReference.parse(ref), ProgressListener.NONE);
            assertThat(img.env()).contains("FROM_IMAGE=yes");

            // A catalog with one language: bash's runner, in the pulled image.
            Path catalog = Files.createDirectories(work.resolve("catalog/runners"));
            Files.copy(LanguageCatalog.class.getResourceAsStream("/dev/ato/rootfs/languages/runners/bash"), catalog.resolve("bash_from_registry"));
            Files.writeString(work.resolve("catalog/languages.json"), """
                    {"bash_from_registry": {"name": "Bash (registry image)", "image": "%s", "version": "5", "url": "https://www.gnu.org/software/bash/",
                      "sbcs": false, "se_class": "bash", "requires": ["bash"], "packages": ["bash-static"],
                      "hello_world": {"code": "echo \\"Hello, World! $FROM_IMAGE\\"; [ -e /usr/bin/apt ] && echo host-leak", "output": "Hello, World! yes\\n"}}}
                    """.formatted(ref));
            LanguageCatalog langs = LanguageCatalog.load(work.resolve("catalog"));

            String name = "ato-img-" + UUID.randomUUID().toString().substring(0, 8);
            ServerConfig config = ServerConfig.builder().port(0).stateDir(Files.createDirectories(work.resolve("state")))
                    .runDir(Path.of("/run", name)).cgroupName(name).catalog(langs).imageDir(storeRoot).build();
            try (AtoServer server = AtoServer.start(config); AtoClient client = AtoClient.connect(server.uri())) {
                var hello = langs.find("bash_from_registry").orElseThrow().helloWorld();
                Result r = client.run(ExecuteRequest.builder("bash_from_registry").code(hello.code()).build());
                String account = r.done().statusType() + " " + r.done().statusValue() + "\n" + r.stdoutText() + "\n" + r.stderrText();
                assertThat(r.stdoutText()).as(account).isEqualTo(hello.output());
                assertThat(r.done().statusType()).as(account).isEqualTo("exited");
            }
        } finally {
            registry.destroy();
            registry.waitFor(10, TimeUnit.SECONDS);
        }
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
}
