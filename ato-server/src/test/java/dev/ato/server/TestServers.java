package dev.ato.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

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
        try {
            if (stateDir == null) {
                stateDir = Files.createTempDirectory("ato-server-test");
                stateDir.toFile().deleteOnExit();
            }
            return ServerConfig.builder().port(0).stateDir(stateDir).runDir(Path.of("/run/ato-server-test"))
                    .cgroupName("ato-server-test").healthCacheTime(Duration.ofMillis(500));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a server over the real sandbox (the server makes it from the config's paths). */
    static AtoServer start(ServerConfig.Builder b) {
        return AtoServer.start(b.build());
    }
}
