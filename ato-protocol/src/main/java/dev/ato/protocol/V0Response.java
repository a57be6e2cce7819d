package dev.ato.protocol;

import java.util.Objects;

/**
 * The reply of ATO's one-shot v0 API ({@code POST /api/v0/execute}): the whole output plus the status.
 *
 * @param done the status and figures, as in v1's {@code Done}
 * @param stdout everything the program wrote to standard output (up to the limit)
 * @param stderr everything the program wrote to standard error (up to the limit)
 */
public record V0Response(Done done, byte[] stdout, byte[] stderr) {
    /**
     * Copies the output.
     */
    public V0Response {
        Objects.requireNonNull(done, "done");
        stdout = OutputBytes.copy(stdout, "stdout");
        stderr = OutputBytes.copy(stderr, "stderr");
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

    @Override
    public boolean equals(Object o) {
        return o instanceof V0Response r && OutputBytes.sameRun(done, stdout, stderr, r.done, r.stdout, r.stderr);
    }

    @Override
    public int hashCode() {
        return OutputBytes.hashRun(done, stdout, stderr);
    }

    @Override
    public String toString() {
        return OutputBytes.describeRun("V0Response", done, stdout, stderr);
    }
}
