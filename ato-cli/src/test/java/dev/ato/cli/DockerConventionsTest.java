package dev.ato.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.cli.Cli.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as docker users expect it: paths relative to the current directory, {@code --version}, the
 * store's options before or after the subcommand, setup errors as one line and status 125 (a missing file, not
 * root, a bad configuration, an unknown option), the program's own status passed through, and {@code bench --server}
 * printing its table without the server's run log. What depends on the process (its directory, its user, its
 * logging) runs the main in a child JVM.
 */
class DockerConventionsTest {
    /** The command line's build (ato-cli's classes and copied jars): readable by any user, unlike ~/.m2. */
    private static final String CLASS_PATH = Path.of("target", "classes").toAbsolutePath() + ":"
            + Path.of("target", "lib").toAbsolutePath() + "/*";

    @TempDir
    Path dir;

    private record Child(int status, String out, String err) { }

    /** {@code java dev.ato.cli.Main ARGS} in {@code cwd}, optionally as another user first ({@code setpriv ...}). */
    private Child child(Path cwd, List<String> prefix, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", CLASS_PATH, "dev.ato.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("ATO_"));
        String tag = "ato-cli-test-" + ProcessHandle.current().pid();
        pb.environment().putAll(Map.of("ATO_CGROUP", tag, "ATO_RUN_DIR", "/run/" + tag,
                "ATO_STATE_DIR", dir.resolve("state").toString(), "ATO_PORT", "0"));
        Path out = dir.resolve("child.out");
        Path err = dir.resolve("child.err");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ato " + String.join(" ", args) + " did not end");
        }
        return new Child(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Path config() throws IOException {
        String name = "ato-cli-test-" + ProcessHandle.current().pid();
        return Files.writeString(dir.resolve("ato.yaml"), "paths:\n  run-dir: /run/" + name + "\n  cgroup: " + name + "\n");
    }

    @Test
    @Tag("kernel")
    void pathsAreRelativeToTheCurrentDirectoryAndTheProgramsStatusPassesThrough() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.writeString(work.resolve("hello.sh"), "echo hello from a relative path; cat; exit 7\n");
        Files.writeString(work.resolve("in.txt"), "input\n");
        Child c = child(work, List.of(), "run", "bash", "hello.sh", "--input", "in.txt", "--config", "../ato.yaml");
        // ../ato.yaml does not exist yet: a bad configuration is one line and 125.
        assertThat(c.status()).isEqualTo(125);
        assertThat(c.err()).startsWith("ato run: cannot read config file ../ato.yaml").hasLineCount(1);
        config();
        c = child(work, List.of(), "run", "bash", "hello.sh", "--input", "in.txt", "--config", "../ato.yaml");
        assertThat(c.status()).as(c.err()).isEqualTo(7);
        assertThat(c.out()).isEqualTo("hello from a relative path\ninput\n");
    }

    @Test
    void versionPrintsTheVersion() {
        Outcome o = Cli.run("--version");
        assertThat(o.status()).isZero();
        assertThat(o.out()).matches("ato \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R");
    }

    @Test
    void theStoresOptionsGoBeforeOrAfterTheSubcommand() {
        Path before = dir.resolve("before");
        Path after = dir.resolve("after");
        Outcome b = Cli.run("image", "--store", before.toString(), "ls");
        Outcome a = Cli.run("image", "ls", "--store", after.toString(), "--uid-base", "100000");
        assertThat(b.status()).as(b.err()).isZero();
        assertThat(a.status()).as(a.err()).isZero();
        assertThat(a.out()).startsWith("REFERENCE").isEqualTo(b.out());
        assertThat(before).isDirectory();
        assertThat(after).isDirectory();
        Outcome gc = Cli.run("image", "gc", "--store", after.toString());
        assertThat(gc.out()).contains("0 layers removed");
    }

    @Test
    void setupErrorsAreOneLineAndStatus125() throws Exception {
        Path cfg = config();
        Outcome missing = Cli.run("run", "bash", dir.resolve("no-such.sh").toString(), "--config", cfg.toString());
        assertThat(missing.status()).isEqualTo(125);
        assertThat(missing.err()).isEqualTo("ato run: no such file: " + dir.resolve("no-such.sh") + System.lineSeparator());

        Outcome noInput = Cli.run("run", "bash", Files.writeString(dir.resolve("p.sh"), "true").toString(),
                "--input", "nope.txt", "--config", cfg.toString());
        assertThat(noInput.status()).isEqualTo(125);
        assertThat(noInput.err()).isEqualTo("ato run: no such file: nope.txt" + System.lineSeparator());

        Outcome badConfig = Cli.run("run", "bash", dir.resolve("p.sh").toString(), "--config",
                Files.writeString(dir.resolve("bad.yaml"), "limits: [1, 2\n").toString());
        assertThat(badConfig.status()).isEqualTo(125);
        assertThat(badConfig.err()).startsWith("ato run: ").hasLineCount(1).doesNotContain("\tat ");

        Outcome unknown = Cli.run("run", "--no-such-option", "bash", "p.sh");
        assertThat(unknown.status()).isEqualTo(125);
        assertThat(unknown.err()).isEqualTo("ato run: Unknown option: '--no-such-option' (see ato run --help)"
                + System.lineSeparator());

        Outcome serve = Cli.run("serve", "--config", dir.resolve("absent.yaml").toString());
        assertThat(serve.status()).isEqualTo(125);
        assertThat(serve.err()).startsWith("ato serve: cannot read config file").hasLineCount(1);
    }

    @Test
    @Tag("kernel")
    void notRootIsOneLineAnd125() throws Exception {
        Path p = Files.writeString(dir.resolve("p.sh"), "true");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Child c = child(dir, List.of("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups"),
                "run", "bash", p.getFileName().toString());
        assertThat(c.status()).as(c.out() + c.err()).isEqualTo(125);
        assertThat(c.err()).startsWith("ato run: ").contains("root").hasLineCount(1);
        assertThat(c.out()).isEmpty();
    }

    @Test
    @Tag("kernel")
    void benchServerPrintsItsTableAndNotTheRunLog() throws Exception {
        Child c = child(dir, List.of(), "bench", "--server", "--runs", "60", "--clients", "2", "--seconds", "1");
        assertThat(c.status()).as(c.err()).isZero();
        assertThat(c.out()).contains("| p50 latency (60 serial runs, one reused WebSocket) |", "BENCH server p50_ms=");
        assertThat(c.out().lines().count()).isLessThan(20);
        assertThat(c.err().lines().filter(l -> l.contains(" INFO ")).toList()).isEmpty();
        assertThat(c.err().lines().count()).as(c.err()).isLessThan(5);
    }

    @Test
    void unknownCommandIsOneLine() {
        Outcome o = Cli.run("no-such-command");
        assertThat(o.status()).isEqualTo(125);
        assertThat(new String(o.err().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).hasLineCount(1)
                .startsWith("ato: Unmatched argument");
    }
}
