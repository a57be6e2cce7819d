package dev.ato.protocol;

import dev.ato.protocol.internal.NoNullBytes;
import dev.ato.protocol.internal.TimeoutInRange;
import jakarta.validation.constraints.NotNull;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One run request of ATO's API: which language, the program, its standard input, the program's arguments,
 * the interpreter's or compiler's options, the timeout, and optionally a custom runner script.
 *
 * <p>Immutable: every byte array is copied in and out. A request is built by clients with
 * {@link #of(String, byte[])} and the {@code with...} methods, or with {@link #builder(String)}; servers get one
 * from {@link ProtocolCodec#decodeRequest(byte[])}. Construction does not check ATO's rules (a decoded request
 * may carry {@code timeout = 61}); {@link RequestValidator} does, with ATO's messages.
 *
 * <p>Its size (about 550 lines) is one immutable value with copying accessors, the {@code with...} methods and a
 * builder for seven fields; no logic beyond that.
 */
public final class ExecuteRequest {
    @NotNull
    private final String language;
    @NotNull
    private final byte[] code;
    @NotNull
    private final byte[] input;
    @NotNull
    @NoNullBytes
    private final List<byte[]> arguments;
    @NotNull
    @NoNullBytes
    private final List<byte[]> options;
    @TimeoutInRange
    private final int timeout;
    private final byte[] customRunner;
    // Beyond ATO (keys ATO's server skips): see the accessors.
    private final boolean interactive;
    private final List<TestCase> cases;
    private final OptionalInt outputLimit;
    private final boolean wantQuota;

    private ExecuteRequest(String language, byte[] code, byte[] input, List<byte[]> arguments, List<byte[]> options,
            int timeout, byte[] customRunner, boolean interactive, List<TestCase> cases, OptionalInt outputLimit,
            boolean wantQuota) {
        this.language = Objects.requireNonNull(language, "language");
        this.code = Objects.requireNonNull(code, "code").clone();
        this.input = Objects.requireNonNull(input, "input").clone();
        this.arguments = copy(Objects.requireNonNull(arguments, "arguments"));
        this.options = copy(Objects.requireNonNull(options, "options"));
        this.timeout = timeout;
        this.customRunner = customRunner == null ? null : customRunner.clone();
        this.interactive = interactive;
        this.cases = List.copyOf(Objects.requireNonNull(cases, "cases"));
        this.outputLimit = Objects.requireNonNull(outputLimit, "outputLimit");
        this.wantQuota = wantQuota;
    }

    private static List<byte[]> copy(List<byte[]> list) {
        List<byte[]> out = new ArrayList<>(list.size());
        for (byte[] b : list) {
            out.add(Objects.requireNonNull(b, "list element").clone());
        }
        return List.copyOf(out);
    }

    /**
     * A request with empty input, no arguments, no options, the default timeout (60 s) and the language's own
     * runner.
     *
     * @param language the language id (a runner name such as {@code python})
     * @param code the program
     * @return the request
     */
    public static ExecuteRequest of(String language, byte[] code) {
        return builder(language).code(code).build();
    }

    /**
     * As {@link #of(String, byte[])}, with the program given as text (encoded as UTF-8).
     *
     * @param language the language id
     * @param code the program text
     * @return the request
     */
    public static ExecuteRequest of(String language, String code) {
        return of(language, code.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A builder for a request in the given language; everything else starts as in {@link #of(String, byte[])}
     * with an empty program.
     *
     * @param language the language id
     * @return a new builder
     */
    public static Builder builder(String language) {
        return new Builder(language);
    }

    /**
     * A builder holding this request's values, to derive a changed copy.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(language);
        b.code = code;
        b.input = input;
        b.arguments = arguments;
        b.options = options;
        b.timeout = timeout;
        b.customRunner = customRunner;
        b.interactive = interactive;
        b.cases = cases;
        b.outputLimit = outputLimit;
        b.wantQuota = wantQuota;
        return b;
    }

    /**
     * The language id, e.g. {@code python}.
     *
     * @return the language id
     */
    public String language() {
        return language;
    }

    /**
     * The program.
     *
     * @return a copy of the program bytes
     */
    public byte[] code() {
        return code.clone();
    }

    /**
     * The program's standard input.
     *
     * @return a copy of the input bytes
     */
    public byte[] input() {
        return input.clone();
    }

    /**
     * The arguments passed to the program itself.
     *
     * @return an unmodifiable list of copies
     */
    public List<byte[]> arguments() {
        return copy(arguments);
    }

    /**
     * The options passed to the interpreter or compiler.
     *
     * @return an unmodifiable list of copies
     */
    public List<byte[]> options() {
        return copy(options);
    }

    /**
     * The timeout in seconds (ATO allows 1 to 60; 60 when the request named none).
     *
     * @return the timeout in seconds, unchecked
     */
    public int timeout() {
        return timeout;
    }

    /**
     * The runner script to use instead of the language's own, when the request brought one.
     *
     * @return a copy of the custom runner, or empty
     */
    public Optional<byte[]> customRunner() {
        return customRunner == null ? Optional.empty() : Optional.of(customRunner.clone());
    }

    /**
     * Beyond ATO ({@code interactive}): the program's standard input is a pipe, fed first with {@link #input()},
     * then with the client's {@code {"Stdin": bin}} messages, and closed by its {@code "Eof"} message.
     *
     * @return whether the run is interactive
     */
    public boolean interactive() {
        return interactive;
    }

    /**
     * Beyond ATO ({@code cases}): the test cases of a batch; empty for an ordinary run.
     *
     * @return the cases, in order
     */
    public List<TestCase> cases() {
        return cases;
    }

    /**
     * Beyond ATO ({@code output_limit}): bytes per output stream the client wants at most (1 to
     * {@link ProtocolLimits#MAX_OUTPUT_LIMIT}, unchecked), or empty when the request named none (the server's
     * limit).
     *
     * @return the limit, or empty
     */
    public OptionalInt outputLimit() {
        return outputLimit;
    }

    /**
     * Beyond ATO ({@code want_quota}): whether each Done should carry the client's {@link Quota}.
     *
     * @return whether the quota is wanted
     */
    public boolean wantQuota() {
        return wantQuota;
    }

    /**
     * Whether the request uses none of the fields beyond ATO's, so that what it gets back is exactly ATO's.
     *
     * @return true for a plain ATO request
     */
    public boolean atoOnly() {
        return !interactive && cases.isEmpty() && outputLimit.isEmpty() && !wantQuota;
    }

    /**
     * A copy with a different standard input.
     *
     * @param newInput the input bytes
     * @return the changed copy
     */
    public ExecuteRequest withInput(byte[] newInput) {
        return toBuilder().input(newInput).build();
    }

    /**
     * A copy with different program arguments.
     *
     * @param newArguments the arguments
     * @return the changed copy
     */
    public ExecuteRequest withArguments(List<byte[]> newArguments) {
        return toBuilder().arguments(newArguments).build();
    }

    /**
     * A copy with different interpreter or compiler options.
     *
     * @param newOptions the options
     * @return the changed copy
     */
    public ExecuteRequest withOptions(List<byte[]> newOptions) {
        return toBuilder().options(newOptions).build();
    }

    /**
     * A copy with a different timeout.
     *
     * @param seconds the timeout in seconds (ATO allows 1 to 60)
     * @return the changed copy
     */
    public ExecuteRequest withTimeout(int seconds) {
        return toBuilder().timeout(seconds).build();
    }

    /**
     * A copy that runs with the given runner script instead of the language's own.
     *
     * @param runner the runner script
     * @return the changed copy
     */
    public ExecuteRequest withCustomRunner(byte[] runner) {
        return toBuilder().customRunner(runner).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExecuteRequest r
                && timeout == r.timeout
                && language.equals(r.language)
                && Arrays.equals(code, r.code)
                && Arrays.equals(input, r.input)
                && listEquals(arguments, r.arguments)
                && listEquals(options, r.options)
                && Arrays.equals(customRunner, r.customRunner)
                && interactive == r.interactive
                && cases.equals(r.cases)
                && outputLimit.equals(r.outputLimit)
                && wantQuota == r.wantQuota;
    }

    static boolean listEquals(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(language, timeout);
        h = 31 * h + Arrays.hashCode(code);
        h = 31 * h + Arrays.hashCode(input);
        for (byte[] a : arguments) {
            h = 31 * h + Arrays.hashCode(a);
        }
        for (byte[] o : options) {
            h = 31 * h + Arrays.hashCode(o);
        }
        h = 31 * h + Objects.hash(interactive, cases, outputLimit, wantQuota);
        return 31 * h + Arrays.hashCode(customRunner);
    }

    @Override
    public String toString() {
        return "ExecuteRequest[language=" + language + ", code=" + code.length + " bytes, input=" + input.length
                + " bytes, arguments=" + arguments.size() + ", options=" + options.size() + ", timeout=" + timeout
                + (customRunner == null ? "" : ", customRunner=" + customRunner.length + " bytes")
                + (interactive ? ", interactive" : "") + (cases.isEmpty() ? "" : ", cases=" + cases.size())
                + (outputLimit.isEmpty() ? "" : ", outputLimit=" + outputLimit.getAsInt()) + (wantQuota ? ", wantQuota" : "") + "]";
    }

    /**
     * Builds an {@link ExecuteRequest}; collections and arrays are copied at {@link #build()}.
     */
    public static final class Builder {
        private final String language;
        private byte[] code = new byte[0];
        private byte[] input = new byte[0];
        private List<byte[]> arguments = List.of();
        private List<byte[]> options = List.of();
        private int timeout = ProtocolLimits.DEFAULT_TIMEOUT;
        private byte[] customRunner;
        private boolean interactive;
        private List<TestCase> cases = List.of();
        private OptionalInt outputLimit = OptionalInt.empty();
        private boolean wantQuota;

        private Builder(String language) {
            this.language = Objects.requireNonNull(language, "language");
        }

        /**
         * Sets the program.
         *
         * @param value the program bytes
         * @return this builder
         */
        public Builder code(byte[] value) {
            this.code = Objects.requireNonNull(value, "code");
            return this;
        }

        /**
         * Sets the program as text (UTF-8).
         *
         * @param value the program text
         * @return this builder
         */
        public Builder code(String value) {
            return code(value.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Sets the standard input.
         *
         * @param value the input bytes
         * @return this builder
         */
        public Builder input(byte[] value) {
            this.input = Objects.requireNonNull(value, "input");
            return this;
        }

        /**
         * Sets the standard input as text (UTF-8).
         *
         * @param value the input text
         * @return this builder
         */
        public Builder input(String value) {
            return input(value.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * Sets the program's arguments.
         *
         * @param value the arguments
         * @return this builder
         */
        public Builder arguments(List<byte[]> value) {
            this.arguments = Objects.requireNonNull(value, "arguments");
            return this;
        }

        /**
         * Sets the program's arguments as text (each UTF-8).
         *
         * @param value the arguments
         * @return this builder
         */
        public Builder arguments(String... value) {
            return arguments(utf8(value));
        }

        /**
         * Sets the interpreter's or compiler's options.
         *
         * @param value the options
         * @return this builder
         */
        public Builder options(List<byte[]> value) {
            this.options = Objects.requireNonNull(value, "options");
            return this;
        }

        /**
         * Sets the interpreter's or compiler's options as text (each UTF-8).
         *
         * @param value the options
         * @return this builder
         */
        public Builder options(String... value) {
            return options(utf8(value));
        }

        /**
         * Sets the timeout in seconds (ATO allows 1 to 60; checked by {@link RequestValidator}, not here).
         *
         * @param seconds the timeout
         * @return this builder
         */
        public Builder timeout(int seconds) {
            this.timeout = seconds;
            return this;
        }

        /**
         * Sets a runner script to use instead of the language's own.
         *
         * @param value the runner script
         * @return this builder
         */
        public Builder customRunner(byte[] value) {
            this.customRunner = Objects.requireNonNull(value, "customRunner");
            return this;
        }

        /**
         * Goes back to the language's own runner.
         *
         * @return this builder
         */
        public Builder noCustomRunner() {
            this.customRunner = null;
            return this;
        }

        /**
         * Beyond ATO: makes the run interactive (see {@link ExecuteRequest#interactive()}).
         *
         * @param value whether the run is interactive
         * @return this builder
         */
        public Builder interactive(boolean value) {
            this.interactive = value;
            return this;
        }

        /**
         * Beyond ATO: runs the program once per case (see {@link ExecuteRequest#cases()}); empty for one run.
         *
         * @param value the cases
         * @return this builder
         */
        public Builder cases(List<TestCase> value) {
            this.cases = Objects.requireNonNull(value, "cases");
            return this;
        }

        /**
         * Beyond ATO: bytes per output stream at most (1 to {@link ProtocolLimits#MAX_OUTPUT_LIMIT}; checked by
         * {@link RequestValidator}).
         *
         * @param bytes the limit
         * @return this builder
         */
        public Builder outputLimit(int bytes) {
            this.outputLimit = OptionalInt.of(bytes);
            return this;
        }

        /**
         * Goes back to the server's output limit.
         *
         * @return this builder
         */
        public Builder noOutputLimit() {
            this.outputLimit = OptionalInt.empty();
            return this;
        }

        /**
         * Beyond ATO: asks for the client's {@link Quota} in each Done.
         *
         * @param value whether the quota is wanted
         * @return this builder
         */
        public Builder wantQuota(boolean value) {
            this.wantQuota = value;
            return this;
        }

        /**
         * Builds the request, copying every array and list.
         *
         * @return the request
         */
        public ExecuteRequest build() {
            return new ExecuteRequest(language, code, input, arguments, options, timeout, customRunner, interactive,
                    cases, outputLimit, wantQuota);
        }

        private static List<byte[]> utf8(String... values) {
            List<byte[]> out = new ArrayList<>(values.length);
            for (String v : values) {
                out.add(v.getBytes(StandardCharsets.UTF_8));
            }
            return out;
        }
    }
}
