package dev.ato.protocol;

import java.util.Arrays;

/**
 * A message a client sends during a run on the v1 WebSocket: ATO's {@code "Kill"}, and beyond ATO, for an
 * interactive run ({@code interactive: true}), {@code {"Stdin": bin}} and {@code "Eof"}.
 */
public sealed interface ClientMessage {

    /** {@code "Kill"}: stop the run now. */
    record Kill() implements ClientMessage { }

    /** {@code "Eof"}: close the program's standard input once everything sent before has been written to it. */
    record Eof() implements ClientMessage { }

    /**
     * {@code {"Stdin": bin}}: bytes for the program's standard input.
     *
     * @param data the bytes
     */
    record Stdin(byte[] data) implements ClientMessage {
        /**
         * Copies the bytes.
         */
        public Stdin {
            data = OutputBytes.copy(data, "data");
        }

        /**
         * The bytes.
         *
         * @return a copy
         */
        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Stdin s && Arrays.equals(data, s.data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return OutputBytes.describe("Stdin", data);
        }
    }
}
