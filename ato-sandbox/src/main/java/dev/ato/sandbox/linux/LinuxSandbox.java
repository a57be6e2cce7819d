package dev.ato.sandbox.linux;

import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;

/** The Linux implementation of {@link Sandbox}. (Placeholder until the sandbox core lands.) */
public final class LinuxSandbox {
    private LinuxSandbox() { }

    public static Sandbox create(SandboxConfig config) {
        throw new SandboxException("the sandbox core is not built yet");
    }
}
