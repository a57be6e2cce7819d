package dev.ato.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Beyond ATO: one case of a test-case batch (the request field {@code cases}): the standard input and the program's
 * arguments of one run of the same program. A case the client sent without {@code input} or {@code arguments}
 * takes the request's own.
 *
 * @param input the standard input of this case
 * @param arguments the program's arguments for this case
 */
public record TestCase(byte[] input, List<byte[]> arguments) {
    /**
     * Copies everything in.
     */
    public TestCase {
        input = Objects.requireNonNull(input, "input").clone();
        List<byte[]> copy = new ArrayList<>(Objects.requireNonNull(arguments, "arguments").size());
        for (byte[] a : arguments) {
            copy.add(Objects.requireNonNull(a, "argument").clone());
        }
        arguments = List.copyOf(copy);
    }

    /**
     * A case with text input and text arguments (UTF-8).
     *
     * @param input the standard input
     * @param arguments the program's arguments
     * @return the case
     */
    public static TestCase of(String input, String... arguments) {
        return new TestCase(input.getBytes(StandardCharsets.UTF_8),
                Arrays.stream(arguments).map(a -> a.getBytes(StandardCharsets.UTF_8)).toList());
    }

    /**
     * The standard input.
     *
     * @return a copy
     */
    @Override
    public byte[] input() {
        return input.clone();
    }

    /**
     * The arguments.
     *
     * @return copies
     */
    @Override
    public List<byte[]> arguments() {
        return arguments.stream().map(byte[]::clone).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TestCase c && Arrays.equals(input, c.input) && ExecuteRequest.listEquals(arguments, c.arguments);
    }

    @Override
    public int hashCode() {
        int h = Arrays.hashCode(input);
        for (byte[] a : arguments) {
            h = 31 * h + Arrays.hashCode(a);
        }
        return h;
    }

    @Override
    public String toString() {
        return "TestCase[input=" + input.length + " bytes, arguments=" + arguments.size() + "]";
    }
}
