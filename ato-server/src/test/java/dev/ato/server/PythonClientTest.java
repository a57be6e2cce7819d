package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The extensions of issue 15 from a Python client: {@code src/test/resources/python/ato_extensions_client.py}
 * with Debian's python3-websockets and python3-msgpack (setup/packages/test.txt) against a real server:
 * interactive Stdin/Eof, cases, output_limit, want_quota, a plain request's Done keys, a 1008, and SSE.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@Tag("kernel")
class PythonClientTest {
    /** Debian's interpreter, whatever python3 comes first on PATH (pyenv shims have no Debian modules). */
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @RegisterExtension
    static final TestServers.PerClass SERVER = TestServers.perClass();

    @Test
    void thePythonClientUsesEveryExtension() throws Exception {
        assertThat(Files.isExecutable(PYTHON)).as("%s (apt-get install python3)", PYTHON).isTrue();
        Path script = Files.createTempFile("ato_extensions_client", ".py");
        try {
            try (InputStream in = getClass().getResourceAsStream("/python/ato_extensions_client.py")) {
                Files.write(script, in.readAllBytes());
            }
            Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), SERVER.get().uri().toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
            System.out.println(out);
            assertThat(out).as("python3-websockets and python3-msgpack are in setup/packages/test.txt")
                    .doesNotContain("ModuleNotFoundError");
            assertThat(out).contains("PASS interactive", "PASS cases", "PASS output_limit want_quota",
                    "PASS plain request gets ATO's Done", "PASS bad value closes 1008", "PASS server-sent events",
                    "ALL PASSED");
            assertThat(p.exitValue()).isZero();
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
