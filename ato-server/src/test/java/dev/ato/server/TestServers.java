package dev.ato.server;

import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/** Starts servers for tests: a free port, a private state dir and cgroup name, the real sandbox. */
final class TestServers {
    private TestServers() { }

    /** A builder with test paths; each server gets its own cgroup name so sandboxes never sweep each other. */
    static ServerConfig.Builder config() {
        try {
            Path state = Files.createTempDirectory("ato-server-test");
            String name = "ato-st-" + UUID.randomUUID().toString().substring(0, 8);
            return ServerConfig.builder().port(0).stateDir(state).runDir(Path.of("/run", name)).cgroupName(name)
                    .healthCacheTime(Duration.ofMillis(500));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static volatile Boolean realAvailable;

    /**
     * Starts a server over the real sandbox. Until the sandbox core can be created on this host the process
     * double stands in, with a warning on stderr.
     */
    static AtoServer start(ServerConfig.Builder b) {
        ServerConfig cfg = b.build();
        if (cfg.sandbox().isPresent()) return AtoServer.start(cfg);
        if (realAvailable == null) {
            try {
                realSandbox(cfg).close();
                realAvailable = true;
            } catch (RuntimeException e) {
                System.err.println("WARNING: real sandbox unavailable (" + e.getMessage() + "); using ProcessSandbox");
                realAvailable = false;
            }
        }
        if (realAvailable) return AtoServer.start(cfg);
        return AtoServer.start(cfg.toBuilder().sandbox(new ProcessSandbox()).build());
    }

    /** Whether servers run over the real sandbox (known after the first {@link #start}). */
    static boolean isReal() {
        return Boolean.TRUE.equals(realAvailable);
    }

    /** The real sandbox, made with the given config's paths; checked by running {@code true}. */
    static Sandbox realSandbox(ServerConfig cfg) {
        Sandbox s = Sandbox.create(SandboxConfig.defaults().withStateDir(cfg.runDir())
                .withCgroupName(cfg.cgroupName()).withDefaultLimits(cfg.limits()));
        try {
            var r = s.run(RunSpec.builder().command("true").timeout(Duration.ofSeconds(10)).build());
            if (!r.result().succeeded()) throw new IllegalStateException("sandbox probe `true` failed: " + r.result());
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
