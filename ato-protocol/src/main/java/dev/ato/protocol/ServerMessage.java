package dev.ato.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * A message from an ATO server to the client on the v1 WebSocket: a chunk of standard output, a chunk of
 * standard error, or the end of the run.
 */
public sealed interface ServerMessage {

    /**
     * A chunk of the program's standard output ({@code {"Stdout": bin}}).
     *
     * @param data the bytes of the chunk
     */
    record Stdout(byte[] data) implements ServerMessage {
        /**
         * Copies the chunk.
         */
        public Stdout {
            data = OutputBytes.copy(data, "data");
        }

        /**
         * The chunk.
         *
         * @return a copy of the bytes
         */
        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Stdout s && Arrays.equals(data, s.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return OutputBytes.describe("Stdout", data);
        }
    }

    /**
     * A chunk of the program's standard error ({@code {"Stderr": bin}}).
     *
     * @param data the bytes of the chunk
     */
    record Stderr(byte[] data) implements ServerMessage {
        /**
         * Copies the chunk.
         */
        public Stderr {
            data = OutputBytes.copy(data, "data");
        }

        /**
         * The chunk.
         *
         * @return a copy of the bytes
         */
        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Stderr s && Arrays.equals(data, s.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return OutputBytes.describe("Stderr", data);
        }
    }

    /**
     * The end of the run ({@code {"Done": {...}}}).
     *
     * @param done the status and figures of the run
     */
    record Finished(Done done) implements ServerMessage {
        /**
         * Checks the record is present.
         */
        public Finished {
            Objects.requireNonNull(done, "done");
        }
    }
}
