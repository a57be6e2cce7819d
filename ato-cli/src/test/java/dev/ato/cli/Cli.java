package dev.ato.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs {@code ./ato} commands in-process for tests, through the real picocli tree, capturing what they print.
 * System.out and System.err are swapped for the call, so callers must not run commands concurrently
 * (surefire runs the test classes one after another).
 */
public final class Cli {
    private Cli() { }

    /**
     * What a command did.
     *
     * @param status its exit status
     * @param out what it printed on standard output
     * @param err what it printed on standard error
     */
    public record Outcome(int status, String out, String err) { }

    /**
     * Runs one command line, as {@code ./ato ARGS...} would.
     *
     * @param args the arguments after {@code ./ato}
     * @return its status and output
     */
    public static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int status = Main.commandLine().execute(args);
            return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
