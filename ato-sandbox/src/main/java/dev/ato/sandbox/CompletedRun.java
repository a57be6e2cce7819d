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

    /** Equal when the result and both outputs are equal by content. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CompletedRun c && result.equals(c.result) && java.util.Arrays.equals(stdout, c.stdout)
                && java.util.Arrays.equals(stderr, c.stderr);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(result, java.util.Arrays.hashCode(stdout), java.util.Arrays.hashCode(stderr));
    }

    @Override
    public String toString() {
        return "CompletedRun[result=" + result + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes]";
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
