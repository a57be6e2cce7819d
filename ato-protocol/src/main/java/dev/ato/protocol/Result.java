package dev.ato.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
        stdout = Objects.requireNonNull(stdout, "stdout").clone();
        stderr = Objects.requireNonNull(stderr, "stderr").clone();
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
        return o instanceof Result r && done.equals(r.done) && Arrays.equals(stdout, r.stdout)
                && Arrays.equals(stderr, r.stderr);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * done.hashCode() + Arrays.hashCode(stdout)) + Arrays.hashCode(stderr);
    }

    @Override
    public String toString() {
        return "Result[" + done + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes]";
    }
}
