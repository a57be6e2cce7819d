package dev.ato.server.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.languages.LanguageCatalog;
import dev.ato.protocol.AtoClient;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import dev.ato.protocol.StatusType;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: an image built here as an OCI layout (static bash only, nothing from the host image), pushed to
 * a real registry (Debian's docker-registry on loopback), pulled into the image store, named by a language of
 * a catalog, and run by the real server and sandbox: the language passes its hello world.
 */
@Tag("kernel")
@Tag("registry")
class RegistryImageHelloWorldTest {
    @TempDir
    Path work;

    @Test
    void languageWhoseImageComesFromTheRegistryPassesHelloWorld() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the sandbox and the image store need root");
        try (StaticBashRegistry registry = StaticBashRegistry.start(work)) {
            String ref = registry.reference();

            Path storeRoot = work.resolve("images");
            StoredImage img = ImageStore.open(storeRoot, StoreConfig.defaults()).pull(ImageReference.parse(ref), ProgressListener.NONE);
            assertThat(img.env()).contains("FROM_IMAGE=yes");

            // A catalog with one language: bash's runner, in the pulled image.
            Path catalog = Files.createDirectories(work.resolve("catalog/runners"));
            Files.copy(LanguageCatalog.class.getResourceAsStream("/dev/ato/languages/runners/bash"), catalog.resolve("bash_from_registry"));
            Files.writeString(work.resolve("catalog/languages.json"), """
                    {"bash_from_registry": {"name": "Bash (registry image)", "image": "%s", "version": "5", "url": "https://www.gnu.org/software/bash/",
                      "sbcs": false, "se_class": "bash", "requires": ["bash"], "packages": ["bash-static"],
                      "hello_world": {"code": "echo \\"Hello, World! $FROM_IMAGE\\"; [ -e /usr/bin/apt ] && echo host-leak", "output": "Hello, World! yes\\n"}}}
                    """.formatted(ref));
            LanguageCatalog langs = LanguageCatalog.load(work.resolve("catalog"));

            String name = "ato-img-" + UUID.randomUUID().toString().substring(0, 8);
            ServerConfig config = ServerConfig.builder().port(0).stateDir(Files.createDirectories(work.resolve("state")))
                    .runDir(Path.of("/run", name)).cgroupName(name).imageDir(storeRoot).build();
            try (AtoServer server = AtoServer.builder(config).catalog(langs).start(); AtoClient client = AtoClient.connect(server.uri())) {
                var hello = langs.find("bash_from_registry").orElseThrow().helloWorld();
                Result r = client.run(ExecuteRequest.builder("bash_from_registry").code(hello.code()).build());
                String account = r.done().statusType() + " " + r.done().statusValue() + "\n" + r.stdoutText() + "\n" + r.stderrText();
                assertThat(r.stdoutText()).as(account).isEqualTo(hello.output());
                assertThat(r.done().statusType()).as(account).isEqualTo(StatusType.EXITED);
            }
        }
    }
}
