package dev.ato.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.cli.Cli.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ato run} and {@code ./ato languages} through picocli, with the real sandbox. */
class CommandLineTest {
    @TempDir
    Path dir;

    private static Outcome ato(String... args) {
        return Cli.run(args);
    }

    private Path config() throws Exception {
        Path f = dir.resolve("ato.yaml");
        // Names of this process's own: other builds on the machine run these tests too.
        String name = "ato-cli-run-test-" + ProcessHandle.current().pid();
        Files.writeString(f, "paths:\n  run-dir: /run/" + name + "\n  cgroup: " + name + "\n");
        return f;
    }

    @Test
    @Tag("kernel")
    void runStreamsOutputAndExitsWithTheProgramsStatus() throws Exception {
        Path code = Files.writeString(dir.resolve("prog.sh"), "echo \"$@\"; cat; echo oops >&2; exit 5");
        Path input = Files.writeString(dir.resolve("in.txt"), "from input\n");
        Outcome o = ato("run", "bash", code.toString(), "--input", input.toString(), "--arg", "a b", "--arg", "c",
                "--config", config().toString());
        assertThat(o.status()).isEqualTo(5);
        assertThat(o.out()).isEqualTo("a b c\nfrom input\n");
        assertThat(o.err()).startsWith("oops\n").contains("exited 5");
    }

    @Test
    @Tag("kernel")
    void runWithJsonWritesOneObjectPerLineAndDoneLast() throws Exception {
        Path code = Files.writeString(dir.resolve("prog.py"), "import sys\nprint('hi')\nsys.stderr.write('e')\n");
        Outcome o = ato("run", "python", code.toString(), "--json", "--timeout", "10", "--config", config().toString());
        assertThat(o.status()).isZero();
        String[] lines = o.out().split("\n");
        assertThat(lines).contains("{\"stdout\":\"hi\\n\"}", "{\"stderr\":\"e\"}");
        assertThat(lines[lines.length - 1]).startsWith("{\"done\":{\"status_type\":\"exited\",\"status_value\":0,");
    }

    @Test
    @Tag("kernel")
    void runWithJsonLosesNoByteOfACharacterSplitBetweenChunks() throws Exception {
        // The pauses put the halves of the euro sign (e2 82 | ac) in different reads of the pipe, as a slow
        // machine does with any output; the run then ends inside a character (e2), which becomes U+FFFD.
        Path code = Files.writeString(dir.resolve("prog.sh"),
                "printf 'a\\342\\202'; sleep 0.3; printf '\\254\\n'; sleep 0.3; printf 'z\\342'");
        Outcome o = ato("run", "bash", code.toString(), "--json", "--timeout", "10", "--config", config().toString());
        assertThat(o.status()).isZero();
        StringBuilder stdout = new StringBuilder();
        for (String line : o.out().split("\n")) {
            if (line.startsWith("{\"stdout\":")) stdout.append(new com.fasterxml.jackson.databind.ObjectMapper().readTree(line).get("stdout").asText());
        }
        assertThat(stdout.toString()).isEqualTo("a\u20ac\nz\ufffd");
    }

    @Test
    void runRefusesAnUnknownLanguage() throws Exception {
        Path code = Files.writeString(dir.resolve("x"), "x");
        Outcome o = ato("run", "no_such_language", code.toString(), "--config", config().toString());
        assertThat(o.status()).isNotZero();
        assertThat(o.err()).contains("no such language: no_such_language");
    }

    @Test
    void languagesListsTheCatalogWithReadiness() throws Exception {
        Outcome o = ato("languages");
        assertThat(o.status()).isZero();
        assertThat(o.out()).containsPattern("(?m)^bash +Bash .* ready$").containsPattern("languages ready");
    }
}
