package dev.ato.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import dev.ato.server.TestDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The run page in a real browser against a real server: Debian's chromium, driven by playwright-core from
 * {@code src/test/browser/run-page.test.mjs} (node's test runner; one test per behaviour: hello world in bash
 * and python, input and arguments, streaming, Kill, permalink, byte counts, the Code Golf post, errors,
 * themes). A second server that admits one run at a time and queues none gives the page a real 1013 (busy).
 * Screenshots of the light and dark themes land in {@code target/web-screenshots/}.
 */
@Tag("kernel")
@Tag("browser")
class RunPageBrowserTest {
    private static final Path BROWSER_TESTS = Path.of("src/test/browser");
    private static final Path TARGET = Path.of("target");
    private static final Path SHOTS = TARGET.resolve("web-screenshots");

    private static final List<Path> STATE_DIRS = new ArrayList<>();
    private static AtoServer server;
    private static AtoServer oneRunServer;

    @BeforeAll
    static void startServer() throws IOException {
        Node.prepareBrowserTests(BROWSER_TESTS, TARGET);
        server = AtoServer.start(testConfig().build());
        oneRunServer = AtoServer.start(testConfig().maxRuns(1).maxRunsPerClient(1).queueLength(0).build());
    }

    /** A free port, a private state dir, run dir and cgroup name, so that servers never sweep each other. */
    private static ServerConfig.Builder testConfig() throws IOException {
        String name = "ato-web-" + UUID.randomUUID().toString().substring(0, 8);
        Path state = Files.createTempDirectory("ato-web-test");
        STATE_DIRS.add(state);
        return ServerConfig.builder().port(0)
                .stateDir(state)
                .runDir(Path.of("/run", name))
                .cgroupName(name);
    }

    @AfterAll
    static void stopServers() {
        try {
            if (server != null) server.close();
        } finally {
            if (oneRunServer != null) oneRunServer.close();
        }
        // The state dirs hold the servers' client-key secrets.
        for (Path dir : STATE_DIRS) TestDirs.deleteTree(dir);
    }

    @Test
    void runPageWorksInChromiumAgainstTheRealServer() throws IOException {
        Node.Result r = Node.run(BROWSER_TESTS.toAbsolutePath(), TARGET.resolve("web-test-logs/run-page.log").toAbsolutePath(),
                Duration.ofMinutes(10),
                List.of("node", "run-page.test.mjs", server.uri() + "/", SHOTS.toAbsolutePath().toString(),
                        oneRunServer.uri() + "/"));
        assertThat(r.output()).as("every browser test ran and passed")
                .contains("# fail 0", "# cancelled 0", "# skipped 0", "# todo 0")
                .containsPattern("# pass [1-9][0-9]");
        assertThat(r.exitCode()).isZero();
        for (String shot : List.of("run-page-light.png", "run-page-dark.png", "run-page-phone-dark.png",
                "run-page-phone-dark-results.png", "run-page-phone-light.png", "run-page-phone-light-results.png")) {
            assertThat(Files.size(SHOTS.resolve(shot))).as(shot).isGreaterThan(10_000);
        }
    }
}
