package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.Mounts;
import dev.ato.sandbox.nativeaccess.Namespaces;
import dev.ato.sandbox.nativeaccess.Sys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The mask of private host files in both of its ways: a bind of a detached overlay (Linux 6.15+ and this
 * development machine) and the per-run overlay of kernels that refuse binds from detached mounts (Debian 12's
 * 6.1, forced here; the VM host matrix runs it there for real). Each mounts the masked {@code /etc} in a
 * private mount namespace of a throwaway thread and looks at it.
 */
@Tag("kernel")
class HostMaskTest {
    static final Path INIT = Path.of("target/classes/dev/ato/sandbox/native/ato-init");
    Path state;
    Path target;
    Path secret;

    @BeforeEach
    void setUp() throws Exception {
        state = Files.createTempDirectory(Path.of("/run"), "ato-test-mask-");
        target = Files.createDirectory(state.resolve("target"));
        secret = Path.of("/etc/ato-test-mask-" + ProcessHandle.current().pid());
        Files.writeString(secret, "secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        HostMask.forgetWalks();
    }

    @AfterEach
    void tearDown() throws Exception {
        Files.deleteIfExists(secret);
        HostSetup.deleteTree(state);
    }

    @Test
    void privateEntriesAreAbsentAndTheRestIsThereTheWayThisKernelAllows() throws Exception {
        // A bind of the detached overlay where the kernel allows it (6.15+), else the per-run overlay (6.1).
        privateEntriesAreAbsentAndTheRestIsThere(HostSetup.kernelBindsFromDetachedMounts(target));
    }

    @Test
    void privateEntriesAreAbsentAndTheRestIsThereThroughThePerRunOverlay() throws Exception {
        privateEntriesAreAbsentAndTheRestIsThere(false);
    }

    void privateEntriesAreAbsentAndTheRestIsThere(boolean bindFromDetached) throws Exception {
        assertThat(Files.isRegularFile(INIT)).as("the build compiled ato-init").isTrue();
        List<String> seen = new ArrayList<>();
        try (HostMask mask = HostMask.build(INIT.toAbsolutePath().toString(), List.of("etc"), state, bindFromDetached)) {
            inPrivateMountNamespace(() -> {
                mask.mountHostDir("etc", target.toString());
                for (String name : List.of(secret.getFileName().toString(), "shadow", "passwd", "hostname")) {
                    if (Files.exists(target.resolve(name), java.nio.file.LinkOption.NOFOLLOW_LINKS)) seen.add(name);
                }
                seen.add(Files.readString(target.resolve("passwd")).startsWith("root:") ? "readable" : "unreadable");
                seen.add(Sys.tryMkdir(target + "/x", 0755) ? "writable" : "read-only");
            });
        }
        assertThat(seen).containsExactly("passwd", "hostname", "readable", "read-only");
        // Nothing of the mask is left in the state directory once it is closed.
        try (var left = Files.list(state)) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("target");
        }
    }

    @Test
    void aWalkServesTheNextSandboxesUntilForgotten() {
        String init = INIT.toAbsolutePath().toString();
        String name = secret.getFileName().toString();
        assertThat(HostMask.hiddenEntries(init, "etc")).contains(name, "shadow");
        Path later = Path.of(secret + "-later");
        try {
            Files.writeString(later, "x");
            Files.setPosixFilePermissions(later, PosixFilePermissions.fromString("rw-------"));
            assertThat(HostMask.hiddenEntries(init, "etc")).doesNotContain(later.getFileName().toString());
            HostMask.forgetWalks();
            assertThat(HostMask.hiddenEntries(init, "etc")).contains(later.getFileName().toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } finally {
            later.toFile().delete();
        }
    }

    @Test
    void aDirectoryThatIsNotThereIsOneLine() {
        assertThatThrownBy(() -> HostMask.hiddenEntries(INIT.toAbsolutePath().toString(), "no-such-dir-" + ProcessHandle.current().pid()))
                .isInstanceOf(SandboxException.class)
                .hasMessageStartingWith("walking /no-such-dir-")
                .hasMessageContaining("No such file or directory");
    }

    interface Body {
        void run() throws Exception;
    }

    static void inPrivateMountNamespace(Body body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().unstarted(() -> {
            try {
                Namespaces.unshare(LibC.CLONE_NEWNS);
                Mounts.mount(null, "/", null, LibC.MS_REC | LibC.MS_PRIVATE, null);
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() instanceof Exception e) throw e;
        if (failure.get() != null) throw new AssertionError(failure.get());
    }
}
