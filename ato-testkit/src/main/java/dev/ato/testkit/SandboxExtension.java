package dev.ato.testkit;

import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The extension behind {@link SandboxTest}: skips where the host cannot make containers, and hands out one
 * {@link Sandbox} per test class, closed (every run killed, its state directory removed) after the class.
 */
public final class SandboxExtension implements ExecutionCondition, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SandboxExtension.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return HostProbe.result().map(ConditionEvaluationResult::disabled)
                .orElseGet(() -> ConditionEvaluationResult.enabled("the host can run sandboxes"));
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == Sandbox.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        ExtensionContext classContext = ec.getTestClass().isPresent() && ec.getTestMethod().isPresent()
                ? ec.getParent().orElse(ec) : ec;
        return classContext.getStore(NS).getOrComputeIfAbsent("sandbox", k -> newSandbox(), ClosableSandbox.class).sandbox();
    }

    private static ClosableSandbox newSandbox() {
        try {
            Path state = Files.createTempDirectory("ato-testkit-");
            SandboxConfig config = SandboxConfig.defaults()
                    .withStateDir(state)
                    .withCgroupName("ato-test-" + ProcessHandle.current().pid());
            return new ClosableSandbox(Sandbox.create(config), state);
        } catch (IOException | SandboxException e) {
            throw new ParameterResolutionException("cannot make a sandbox: " + e.getMessage(), e);
        }
    }

    /** Closes the sandbox when JUnit closes the store. */
    private record ClosableSandbox(Sandbox sandbox, Path stateDir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                sandbox.close();
            } finally {
                // The sandbox removes what it made; the directory itself is ours. Only empty dirs are
                // removed, so a bug that leaves run state behind stays visible.
                Files.deleteIfExists(stateDir);
            }
        }
    }
}
