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
    /** Each sandbox gets its own cgroup name, so closing one never touches another's cgroups. */
    private static final java.util.concurrent.atomic.AtomicInteger SANDBOXES = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return AtoServerExtension.condition(HostProbe.result());
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        return pc.getParameter().getType() == Sandbox.class;
    }

    @Override
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        ExtensionContext classContext = ec.getTestClass().isPresent() && ec.getTestMethod().isPresent()
                ? ec.getParent().orElse(ec) : ec;
        @SuppressWarnings({"unchecked", "deprecation"}) // computeIfAbsent only from JUnit 5.13; the testkit supports 5.10
        OwnedResource<Sandbox> owned = classContext.getStore(NS).getOrComputeIfAbsent("sandbox", k -> newSandbox(), OwnedResource.class);
        return owned.get();
    }

    private static OwnedResource<Sandbox> newSandbox() {
        try {
            Path state = Files.createTempDirectory("ato-testkit-");
            SandboxConfig config = SandboxConfig.builder().stateDir(state)
                    .cgroupName("ato-test-" + ProcessHandle.current().pid() + "-" + SANDBOXES.incrementAndGet())
                    .build();
            try {
                Sandbox sandbox = Sandbox.create(config);
                return new OwnedResource<>(sandbox, state, sandbox.config().cgroupName());
            } catch (RuntimeException e) {
                Leftovers.deleteStateDir(state);
                throw e;
            }
        } catch (IOException | SandboxException e) {
            throw new ParameterResolutionException("cannot make a sandbox: " + e.getMessage(), e);
        }
    }
}
