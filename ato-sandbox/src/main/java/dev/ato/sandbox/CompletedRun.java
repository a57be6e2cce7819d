package dev.ato.sandbox;

/** A finished run with its whole (possibly truncated) output, as {@link Sandbox#run(RunSpec)} returns it. */
public record CompletedRun(RunResult result, byte[] stdout, byte[] stderr) {
    /** Copies the output arrays. */
    public CompletedRun {
        java.util.Objects.requireNonNull(result, "result");
        stdout = stdout.clone();
        stderr = stderr.clone();
    }

    /** A copy of the delivered stdout. */
    @Override
    public byte[] stdout() {
        return stdout.clone();
    }

    /** A copy of the delivered stderr. */
    @Override
    public byte[] stderr() {
        return stderr.clone();
    }

    /** stdout decoded as UTF-8 (malformed bytes replaced). */
    public String stdoutText() {
        return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** stderr decoded as UTF-8 (malformed bytes replaced). */
    public String stderrText() {
        return new String(stderr, java.nio.charset.StandardCharsets.UTF_8);
    }
}
