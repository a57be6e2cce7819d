package dev.ato.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.sandbox.Sandbox;
import dev.ato.server.AtoServer;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * What the extensions do around a whole test class: sample classes (nested, so surefire does not run them on
 * their own) are run through the JUnit launcher, and afterwards their servers and sandboxes must be gone.
 */
@Tag("kernel")
class ExtensionLifecycleTest {
    /** What the sample classes saw, read after they ran. */
    static final List<Object> SEEN = new CopyOnWriteArrayList<>();
    /** The sample server's port, while it ran. */
    static volatile int port;

    @AtoServerTest
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class ServerSample {
        @Test
        @Order(1)
        void first(AtoServer server, AtoClient client) {
            port = server.port();
            SEEN.add(server);
            SEEN.add(client);
            // A run still going when the class ends must not keep the server (or the build) alive.
            client.execute(ExecuteRequest.builder("bash").code("sleep 60").build(), dev.ato.protocol.RunListener.IGNORE);
        }

        @Test
        @Order(2)
        void second(AtoServer server, AtoClient client) {
            SEEN.add(server);
            SEEN.add(client);
        }
    }

    @SandboxTest
    static class SandboxSample {
        @Test
        void uses(Sandbox sandbox) {
            SEEN.add(sandbox);
            assertThat(sandbox.run(dev.ato.sandbox.RunSpec.builder().runnerScript("true").build()).result().succeeded()).isTrue();
        }
    }

    private static TestExecutionSummary run(Class<?> c) {
        SEEN.clear();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(c)).build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, listener);
        return listener.getSummary();
    }

    private static String failures(TestExecutionSummary s) {
        List<String> out = new ArrayList<>();
        s.getFailures().forEach(f -> out.add(f.getTestIdentifier().getDisplayName() + ": " + f.getException()));
        return String.join("\n", out);
    }

    @Test
    void serverIsSharedByTheClassClientsAreNotAndEverythingIsGoneAfterTheClass() throws Exception {
        TestExecutionSummary s = run(ServerSample.class);
        assertThat(s.getTestsSucceededCount()).as(failures(s)).isEqualTo(2);
        assertThat(s.getTotalFailureCount()).as(failures(s)).isZero();

        AtoServer server = (AtoServer) SEEN.get(0);
        assertThat(SEEN.get(2)).as("one server for the class").isSameAs(server);
        assertThat(SEEN.get(3)).as("a client per test method").isNotSameAs(SEEN.get(1));

        assertThat(port).isPositive();
        try (Socket s2 = new Socket(InetAddress.getLoopbackAddress(), port)) {
            throw new AssertionError("the server still listens on " + port + " (" + s2 + ")");
        } catch (ConnectException expected) {
            // closed after the class
        }
        Path runDir = server.config().runDir();
        assertThat(runDir.getParent()).as("state and run dirs live under one temp dir").isEqualTo(server.config().stateDir().getParent());
        assertThat(Files.exists(runDir.getParent())).as("the server's directories are removed").isFalse();
        assertThat(Leftovers.cgroupDirs(server.config().cgroupName())).as("its cgroups are removed").isEmpty();
    }

    @Test
    void sandboxTestLeavesNoStateOrCgroupsBehind() {
        TestExecutionSummary s = run(SandboxSample.class);
        assertThat(s.getTestsSucceededCount()).as(failures(s)).isEqualTo(1);
        Sandbox sandbox = (Sandbox) SEEN.get(0);
        assertThat(Files.exists(sandbox.config().stateDir())).isFalse();
        assertThat(Leftovers.cgroupDirs(sandbox.config().cgroupName())).isEmpty();
    }
}
