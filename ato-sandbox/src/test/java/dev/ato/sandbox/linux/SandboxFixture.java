package dev.ato.sandbox.linux;

import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One sandbox per test class (with the probe program built), checked after each test for anything a run
 * left behind, and after close for anything the sandbox left. Register it as a static field.
 */
final class SandboxFixture implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    final SandboxConfig config;
    Sandbox sandbox;
    byte[] probe;

    SandboxFixture(SandboxConfig config) {
        this.config = config;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        sandbox = Sandbox.create(config);
        probe = ProbeBinary.get();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Leftovers.assertNone(config);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (sandbox != null) sandbox.close();
        Leftovers.assertClosedClean(config);
    }
}
