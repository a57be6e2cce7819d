package dev.ato.server;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts servers for tests: a free port, test state and cgroup names, the real sandbox. */
final class TestServers {
    private TestServers() { }

    private static Path stateDir;

    /**
     * A builder with test paths. Test servers never overlap in time (surefire runs classes one after another), so
     * they share one cgroup name and run dir: each sandbox sweeps what the previous one left, and a test run
     * leaves one set of directories behind, not one per server.
     */
    static synchronized ServerConfig.Builder config() {
        if (stateDir == null) {
            stateDir = TestDirs.createRemovedOnExit("ato-server-test");
        }
        return ServerConfig.builder().port(0).stateDir(stateDir).runDir(Path.of("/run/ato-server-test"))
                .cgroupName("ato-server-test").healthCacheTime(Duration.ofMillis(500));
    }

    /** Starts a server over the real sandbox (the server makes it from the config's paths). */
    static AtoServer start(ServerConfig.Builder b) {
        return AtoServer.start(b.build());
    }

    /**
     * A server with the test config shared by every test of a class, for
     * {@code @RegisterExtension static final TestServers.PerClass SERVER = TestServers.perClass();}.
     */
    static PerClass perClass() {
        return new PerClass();
    }

    /** Starts a server before a class's first test and closes it after its last. */
    static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private volatile AtoServer server;

        private PerClass() { }

        @Override
        public void beforeAll(ExtensionContext context) {
            server = start(config());
        }

        @Override
        public void afterAll(ExtensionContext context) {
            AtoServer s = server;
            server = null;
            if (s != null) s.close();
        }

        /** The running server; only between the class's first and last test. */
        AtoServer get() {
            AtoServer s = server;
            if (s == null) throw new IllegalStateException("the server runs only while the test class does");
            return s;
        }
    }
}
