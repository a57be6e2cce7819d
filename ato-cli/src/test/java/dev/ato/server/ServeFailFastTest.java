package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.cli.Cli;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A server that cannot listen says so in one line and stops (it used to log, print port -1 and hang). */
class ServeFailFastTest {
    @Test
    void serveOnATakenPortExitsNonZeroWithOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long t0 = System.nanoTime();
            Cli.Outcome o = Cli.run("serve", "--port", Integer.toString(taken.getLocalPort()));
            assertThat(o.status()).isEqualTo(125);
            assertThat(o.out()).isEmpty();
            assertThat(o.err()).isEqualTo("ato serve: cannot listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use (who holds it: ss -ltnp 'sport = :" + taken.getLocalPort()
                    + "'; or set server.port / ATO_PORT)" + System.lineSeparator());
            // Refused before the sandbox is made: no namespaces, no cgroups, no wait.
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5_000);
        }
    }

    @Test
    void startOnATakenPortThrowsBeforeTheSandboxIsMade() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> TestServers.start(TestServers.config().port(taken.getLocalPort())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use");
        }
    }

    @Test
    void aBadConfigurationIsOneLineToo() {
        Cli.Outcome o = Cli.run("serve", "--config", "/nonexistent/ato.yaml");
        assertThat(o.status()).isEqualTo(125);
        assertThat(o.err()).startsWith("ato serve: cannot read config file /nonexistent/ato.yaml").hasLineCount(1);
    }
}
