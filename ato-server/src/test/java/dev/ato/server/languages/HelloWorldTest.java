package dev.ato.server.languages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.languages.Language;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import dev.ato.protocol.StatusType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every language of the catalog prints its hello world (for ATO's ids, ATO's own, with its options and arguments),
 * exactly, through the real server and sandbox, inside
 * the default limits (60 s, 512 MiB, 100 processes). A language this host has not installed is skipped with
 * the reason; in CI every listed package is installed, so none is.
 *
 * <p>The wall time of each run as the client sees it (request sent to Done received) and the run's peak memory
 * are written to {@code target/language-times.md}, the table in the README's languages section.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Tag("kernel")
class HelloWorldTest {
    private LanguageServer server;
    private final Map<String, String> times = new ConcurrentSkipListMap<>();

    @BeforeAll
    void start() {
        server = LanguageServer.start();
    }

    @AfterAll
    void stop() throws IOException {
        if (server != null) server.close();
        StringBuilder md = new StringBuilder(
                "| id | language | version | hello world (s) | peak memory (MiB) |\n|---|---|---|---:|---:|\n");
        for (Language l : LanguageServer.CATALOG.all()) {
            String t = times.get(l.id());
            md.append("| `").append(l.id()).append("` | ").append(l.name()).append(" | ").append(l.version())
                    .append(" | ").append(t == null ? "not run | " : t).append(" |\n");
        }
        Path out = Path.of("target", "language-times.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md.toString());
    }

    static Stream<String> languages() {
        return LanguageServer.CATALOG.ids().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("languages")
    void helloWorldPrintsExactlyItsOutput(String id) {
        Language l = LanguageServer.installed(id);
        ExecuteRequest req = ExecuteRequest.builder(id)
                .code(l.helloWorld().code())
                .input(l.helloWorld().input())
                .options(l.helloWorld().options().toArray(String[]::new))
                .arguments(l.helloWorld().arguments().toArray(String[]::new))
                .build();
        long t0 = System.nanoTime();
        Result r = server.run(req);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long kib = r.done().maxMem();
        times.put(id, String.format("%d.%02d | %d.%d", ms / 1000, (ms % 1000) / 10, kib / 1024, kib % 1024 * 10 / 1024));
        assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).as(LanguageServer.describe(r))
                .isEqualTo(l.helloWorld().output());
        assertThat(r.done().timedOut()).isFalse();
        // ATO's own test judges its hello worlds by their output alone (objective_c_gcc's `main() { puts(...); }`
        // exits with puts' result); ours must also exit 0.
        if (!l.atoId()) {
            assertThat(r.done().statusType()).as(LanguageServer.describe(r)).isEqualTo(StatusType.EXITED);
            assertThat(r.done().statusValue()).as(LanguageServer.describe(r)).isZero();
        }
    }
}
