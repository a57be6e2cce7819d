package dev.ato.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A finished run as gathered by {@link AtoClient#run(ExecuteRequest)}: all the output and the {@link Done}.
 *
 * @param stdout the whole standard output
 * @param stderr the whole standard error
 * @param done the status and figures
 */
public record Result(byte[] stdout, byte[] stderr, Done done) {
    /**
     * Copies the output.
     */
    public Result {
        stdout = OutputBytes.copy(stdout, "stdout");
        stderr = OutputBytes.copy(stderr, "stderr");
        Objects.requireNonNull(done, "done");
    }

    /**
     * Standard output.
     *
     * @return a copy of the bytes
     */
    @Override
    public byte[] stdout() {
        return stdout.clone();
    }

    /**
     * Standard error.
     *
     * @return a copy of the bytes
     */
    @Override
    public byte[] stderr() {
        return stderr.clone();
    }

    /**
     * Standard output decoded as UTF-8 (malformed bytes become U+FFFD).
     *
     * @return the text
     */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /**
     * Standard error decoded as UTF-8 (malformed bytes become U+FFFD).
     *
     * @return the text
     */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Result r && OutputBytes.sameRun(done, stdout, stderr, r.done, r.stdout, r.stderr);
    }

    @Override
    public int hashCode() {
        return OutputBytes.hashRun(done, stdout, stderr);
    }

    @Override
    public String toString() {
        return OutputBytes.describeRun("Result", done, stdout, stderr);
    }
}
