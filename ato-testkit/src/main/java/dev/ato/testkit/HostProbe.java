package dev.ato.testkit;

import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds out once per JVM whether this host can run sandboxes, by making one (which runs {@code true} inside
 * it), as Bazel probes its sandbox: no guessing from kernel versions.
 */
final class HostProbe {
    private static volatile Optional<String> cached;

    private HostProbe() { }

    /** Empty when sandboxes work here; otherwise why not. */
    static Optional<String> result() {
        Optional<String> r = cached;
        if (r == null) {
            synchronized (HostProbe.class) {
                r = cached;
                if (r == null) cached = r = probe();
            }
        }
        return r;
    }

    private static Optional<String> probe() {
        Path state = null;
        String name = "ato-probe-" + ProcessHandle.current().pid();
        try {
            state = Files.createTempDirectory("ato-probe-");
            SandboxConfig config = SandboxConfig.builder().stateDir(state).cgroupName(name).build();
            try (Sandbox s = Sandbox.create(config)) {
                return Optional.empty();
            }
        } catch (SandboxException e) {
            return Optional.of("this host cannot run ATO sandboxes: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            return Optional.of("this host cannot run ATO sandboxes: " + e);
        } finally {
            if (state != null) Leftovers.deleteStateDir(state);
            Leftovers.deleteCgroups(name);
        }
    }
}
