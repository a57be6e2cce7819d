package dev.ato.server.languages;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.languages.LanguageReadiness;
import dev.ato.protocol.AtoClient;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import dev.ato.server.TestDirs;
import dev.ato.testsupport.OutOfScope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One real server (real sandbox, built-in catalog, host image) for a test class, and a client to it. Every run
 * goes the whole way: WebSocket, server, sandbox, runner.
 */
final class LanguageServer implements AutoCloseable {
    static final LanguageCatalog CATALOG = LanguageCatalog.builtIn();

    private final AtoServer server;
    private final AtoClient client;
    private final Path stateDir;

    private LanguageServer(AtoServer server, Path stateDir) {
        this.server = server;
        this.stateDir = stateDir;
        this.client = AtoClient.connect(server.uri());
    }

    /** Starts a server with a private state directory and cgroup name, so test classes never share them. */
    static LanguageServer start() {
        try {
            Path state = Files.createTempDirectory("ato-lang-test");
            String name = "ato-lt-" + UUID.randomUUID().toString().substring(0, 8);
            // Two runs at once at most: the machine has two cores and compilers are hungry.
            ServerConfig cfg = ServerConfig.builder().port(0).stateDir(state).runDir(Path.of("/run", name))
                    .cgroupName(name).maxRuns(2).build();
            try {
                return new LanguageServer(AtoServer.start(cfg), state);
            } catch (RuntimeException e) {
                TestDirs.deleteTree(state); // a server that never started must not leave its state dir behind
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The catalog's language; skips the test, naming what is missing, when this host has not installed it. */
    static Language installed(String id) {
        Language l = CATALOG.find(id).orElseThrow(() -> new AssertionError("no language " + id + " in the catalog"));
        // Not the host lacking something: an image-only language is outside the host's ready set by design, so
        // this stays a skip in strict mode (counted and listed at the end of the run).
        OutOfScope.unless(l.onHostImage(), () -> "image-only language: ./ato image pull " + l.image() + ", then ./ato languages --check");
        LanguageReadiness.Readiness r = LanguageReadiness.check(l, List.of(Path.of("/")));
        assumeTrue(r.ready(), () -> "language not installed on this host: " + r.reason());
        return l;
    }

    Result run(ExecuteRequest request) {
        return client.run(request);
    }

    /** A second, independent client of the same server (one run at a time goes over each connection). */
    AtoClient newClient() {
        return AtoClient.connect(server.uri());
    }

    static List<byte[]> bytes(String... values) {
        List<byte[]> out = new ArrayList<>();
        for (String v : values) out.add(v.getBytes(StandardCharsets.UTF_8));
        return out;
    }

    /** A readable account of a run for assertion messages. */
    static String describe(Result r) {
        return "status " + r.done().statusType() + " " + r.done().statusValue() + (r.done().timedOut() ? " (timed out)" : "")
                + "\n--- stdout\n" + r.stdoutText() + "\n--- stderr\n" + r.stderrText();
    }

    @Override
    public void close() {
        try {
            client.close();
        } finally {
            try {
                server.close();
            } finally {
                TestDirs.deleteTree(stateDir);
            }
        }
    }
}
