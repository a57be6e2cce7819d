package dev.ato.rootfs.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.rootfs.Cmd;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.RegistryCredentials;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.TestImages;
import dev.ato.rootfs.TestProxy;
import dev.ato.rootfs.TestRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("kernel")
@Tag("registry")
class RegistryAuthTest {
    @TempDir
    static Path work;
    static TestRegistry basic;
    static TestRegistry open;

    @BeforeAll
    static void registries() throws Exception {
        assumeTrue(Cmd.isRoot(), "the store chowns layer files: needs root");
        Path img = TestImages.single(work.resolve("img"), "secret image\n");
        basic = TestRegistry.start(work.resolve("basic"), "alice", "correct horse");
        basic.push(img, "t", "private/img:t", "alice:correct horse");
        open = TestRegistry.start(work.resolve("open"), null, null);
        open.push(img, "t", "behind/token:t", null);
    }

    @AfterAll
    static void stop() {
        if (basic != null) basic.close();
        if (open != null) open.close();
    }

    private static StoreConfig cfg() {
        return StoreConfig.defaults().withRetries(2, Duration.ofMillis(20));
    }

    @Test
    void basicAuthWithTheRightPasswordPulls() throws Exception {
        ImageStore store = ImageStore.open(work.resolve("s-right"), cfg().withCredentials(basic.host(), new RegistryCredentials("alice", "correct horse")));
        StoredImage img = store.pull(ImageReference.parse(basic.host() + "/private/img:t"), ProgressListener.NONE);
        assertThat(Files.readString(img.layers().get(0).resolve("hello"))).isEqualTo("secret image\n");
    }

    @Test
    void basicAuthWithAWrongPasswordSaysTheCredentialsWereRefused() {
        ImageStore store = ImageStore.open(work.resolve("s-wrong"), cfg().withCredentials(basic.host(), new RegistryCredentials("alice", "wrong")));
        assertThatThrownBy(() -> store.pull(ImageReference.parse(basic.host() + "/private/img:t"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("registry " + basic.host() + " refused the credentials of user 'alice'")
                .satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.UNAUTHORIZED));
        assertThat(store.list()).isEmpty();
    }

    @Test
    void basicAuthWithoutCredentialsSaysSomeAreNeeded() {
        ImageStore store = ImageStore.open(work.resolve("s-none"), cfg());
        assertThatThrownBy(() -> store.pull(ImageReference.parse(basic.host() + "/private/img:t"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class)
                .hasMessageContaining("needs a user name and password");
    }

    @Test
    void bearerTokenFlowGetsATokenForTheRepositoryScope() throws Exception {
        try (TestProxy proxy = TestProxy.withTokenAuth(open, "bob", "hunter2")) {
            ImageStore store = ImageStore.open(work.resolve("s-token"), cfg().withCredentials(proxy.host(), new RegistryCredentials("bob", "hunter2")));
            StoredImage img = store.pull(ImageReference.parse(proxy.host() + "/behind/token:t"), ProgressListener.NONE);
            assertThat(Files.readString(img.layers().get(0).resolve("hello"))).isEqualTo("secret image\n");
            // One token for the whole pull (manifest, config, layer), asked for the pull scope of the repository.
            assertThat(proxy.tokenRequests).containsExactly("service=test-registry&scope=repository%3Abehind%2Ftoken%3Apull");
        }
    }

    @Test
    void bearerTokenFlowWithWrongCredentialsNamesTheTokenService() throws Exception {
        try (TestProxy proxy = TestProxy.withTokenAuth(open, "bob", "hunter2")) {
            ImageStore store = ImageStore.open(work.resolve("s-token-wrong"), cfg().withCredentials(proxy.host(), new RegistryCredentials("bob", "nope")));
            assertThatThrownBy(() -> store.pull(ImageReference.parse(proxy.host() + "/behind/token:t"), ProgressListener.NONE))
                    .isInstanceOf(ImageException.class)
                    .hasMessageContaining("token service " + proxy.host())
                    .hasMessageContaining("refused the credentials of user 'bob'");
        }
    }
}
