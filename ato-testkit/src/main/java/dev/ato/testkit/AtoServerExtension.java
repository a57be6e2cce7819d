package dev.ato.testkit;

import dev.ato.protocol.AtoClient;
import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The extension behind {@link AtoServerTest}: skips where the host cannot make containers; hands out one
 * {@link AtoServer} per test class (and its {@link URI}), and a connected {@link AtoClient} per test method.
 * Everything is closed through JUnit's extension store: clients after their method, the server after the class.
 */
public final class AtoServerExtension implements ExecutionCondition, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(AtoServerExtension.class);
    private static final AtomicInteger SERVERS = new AtomicInteger();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return condition(HostProbe.result());
    }

    static ConditionEvaluationResult condition(Optional<String> whyNot) {
        return whyNot.map(ConditionEvaluationResult::disabled)
                .orElseGet(() -> ConditionEvaluationResult.enabled("the host can run sandboxes"));
    }

    @Override
    public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> t = pc.getParameter().getType();
        return t == AtoServer.class || t == URI.class || t == AtoClient.class;
    }

    @Override
    @SuppressWarnings("deprecation") // Store.computeIfAbsent is JUnit 5.13+; the testkit supports 5.10
    public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
        Class<?> t = pc.getParameter().getType();
        AtoServer server = server(ec);
        if (t == AtoServer.class) return server;
        if (t == URI.class) return server.uri();
        // Per method when a test method asks; a class-level method (constructor, @BeforeAll) gets the class's.
        return ec.getStore(NS).getOrComputeIfAbsent("client", k -> new ConnectedClient(connect(server)), ConnectedClient.class).client();
    }

    private static AtoServer server(ExtensionContext ec) {
        ExtensionContext classContext = ec;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        @SuppressWarnings({"unchecked", "deprecation"}) // computeIfAbsent only from JUnit 5.13; the testkit supports 5.10
        OwnedResource<AtoServer> owned = classContext.getStore(NS).getOrComputeIfAbsent("server", k -> startServer(), OwnedResource.class);
        return owned.get();
    }

    private static AtoClient connect(AtoServer server) {
        try {
            return AtoClient.connect(server.uri());
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot connect to the test server at " + server.uri() + ": " + e.getMessage(), e);
        }
    }

    private static OwnedResource<AtoServer> startServer() {
        Path base = null;
        String name = "ato-testkit-" + ProcessHandle.current().pid() + "-" + SERVERS.incrementAndGet();
        try {
            base = Files.createTempDirectory("ato-testkit-server-");
            ServerConfig config = ServerConfig.builder()
                    .bindAddress("127.0.0.1")
                    .port(0)
                    .stateDir(Files.createDirectory(base.resolve("state")))
                    .runDir(base.resolve("run"))
                    .cgroupName(name)
                    .build();
            return new OwnedResource<>(AtoServer.start(config), base, name);
        } catch (IOException | RuntimeException e) {
            if (base != null) Leftovers.deleteStateDir(base);
            Leftovers.deleteCgroups(name);
            throw new ParameterResolutionException("cannot start an ATO server for the test: " + e.getMessage(), e);
        }
    }

    /**
     * Closes the client when JUnit closes the method's store. {@code CloseableResource} as well as
     * {@code AutoCloseable}: JUnit before 5.13 closes only the former, later versions the latter (once).
     */
    @SuppressWarnings("deprecation")
    private record ConnectedClient(AtoClient client) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            client.close();
        }
    }
}
