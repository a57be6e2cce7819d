package dev.ato.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import dev.ato.server.TestDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The page's extensions beyond ATO (issue 15) in a real browser against a real server: Debian's chromium driven
 * by playwright-core from {@code src/test/browser/extensions.test.mjs}: interactive mode (input line on Enter,
 * EOF, Kill) and the test-cases panel (pass/fail per case, the cases in the Code Golf post).
 */
@Tag("kernel")
@Tag("browser")
class ExtensionsBrowserTest {
    private static final Path BROWSER_TESTS = Path.of("src/test/browser");
    private static final Path TARGET = Path.of("target");
    private static final Path SHOTS = TARGET.resolve("web-screenshots");

    private static AtoServer server;
    private static Path state;

    @BeforeAll
    static void startServer() throws IOException {
        Node.prepareBrowserTests(BROWSER_TESTS, TARGET);
        String name = "ato-web-" + UUID.randomUUID().toString().substring(0, 8);
        state = Files.createTempDirectory("ato-web-test");
        server = AtoServer.start(ServerConfig.builder().port(0).stateDir(state).runDir(Path.of("/run", name))
                .cgroupName(name).build());
    }

    @AfterAll
    static void stopServer() {
        try {
            if (server != null) server.close();
        } finally {
            if (state != null) TestDirs.deleteTree(state);
        }
    }

    @Test
    void interactiveModeAndTestCasesWorkInChromium() throws IOException {
        Node.Result r = Node.run(BROWSER_TESTS.toAbsolutePath(),
                TARGET.resolve("web-test-logs/extensions.log").toAbsolutePath(), Duration.ofMinutes(5),
                List.of("node", "extensions.test.mjs", server.uri() + "/", SHOTS.toAbsolutePath().toString()));
        assertThat(r.output()).as("every browser test ran and passed")
                .contains("# pass 3", "# fail 0", "# cancelled 0", "# skipped 0", "# todo 0");
        assertThat(r.exitCode()).isZero();
        assertThat(Files.size(SHOTS.resolve("interactive.png"))).isGreaterThan(10_000);
        assertThat(Files.size(SHOTS.resolve("test-cases.png"))).isGreaterThan(10_000);
    }
}
