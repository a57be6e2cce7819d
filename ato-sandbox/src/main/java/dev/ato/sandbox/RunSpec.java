package dev.ato.sandbox;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to run: the image, the runner, the request files under {@code /ATO}, the limits and the client.
 *
 * <p>The runner is either a script, written to {@code /ATO/runner} and run as {@code /ATO/bash /ATO/runner}
 * in {@code /ATO/context} (ATO's contract), or an explicit argv. The program sees {@code /ATO/code},
 * {@code /ATO/input} (also its stdin), and {@code /ATO/arguments} and {@code /ATO/options}, each a list of
 * NUL-terminated strings, read through {@code /ATO/yargs}.
 */
public final class RunSpec {
    private final Image image;
    private final byte[] runnerScript;
    private final List<String> command;
    private final byte[] code;
    private final byte[] input;
    private final List<byte[]> arguments;
    private final List<byte[]> options;
    private final Limits limits;
    private final Limits explicitLimits;
    private final Duration timeout;
    private final String clientKey;
    private final List<String> extraEnv;
    private final boolean interactiveStdin;

    private RunSpec(Builder b) {
        this.image = Objects.requireNonNull(b.image, "image");
        if ((b.runnerScript == null) == (b.command == null)) {
            throw new IllegalArgumentException("a run needs exactly one of runnerScript and command");
        }
        this.runnerScript = b.runnerScript == null ? null : b.runnerScript.clone();
        this.command = b.command == null ? null : List.copyOf(b.command);
        this.code = b.code.clone();
        this.input = b.input.clone();
        this.arguments = b.arguments.stream().map(byte[]::clone).toList();
        this.options = b.options.stream().map(byte[]::clone).toList();
        this.explicitLimits = b.limits;
        this.timeout = b.timeout;
        this.limits = effectiveLimits(Limits.defaults());
        this.clientKey = b.clientKey;
        this.extraEnv = List.copyOf(b.extraEnv);
        this.interactiveStdin = b.interactiveStdin;
    }

    /** A builder with the host image, no files, and the sandbox's default limits. */
    public static Builder builder() {
        return new Builder();
    }

    /** The image the container's root is made of. */
    public Image image() { return image; }

    /** The runner script, when the run uses one. */
    public Optional<byte[]> runnerScript() { return Optional.ofNullable(runnerScript).map(byte[]::clone); }

    /** The argv to run instead of a runner script, when the run uses one. */
    public Optional<List<String>> command() { return Optional.ofNullable(command); }

    /** The bytes of /ATO/code. */
    public byte[] code() { return code.clone(); }

    /** The bytes of /ATO/input, also the program's stdin. */
    public byte[] input() { return input.clone(); }

    /** The strings of /ATO/arguments (each written NUL-terminated). */
    public List<byte[]> arguments() { return arguments.stream().map(byte[]::clone).toList(); }

    /** The strings of /ATO/options (each written NUL-terminated). */
    public List<byte[]> options() { return options.stream().map(byte[]::clone).toList(); }

    /** The limits of this run (the timeout is {@code limits().timeout()}). */
    public Limits limits() { return limits; }

    /**
     * The limits this run gets on a sandbox whose default limits are {@code defaults}: the spec's own
     * limits when it set them, else {@code defaults}; a {@link Builder#timeout(Duration) timeout} set on
     * the spec overrides either.
     */
    public Limits effectiveLimits(Limits defaults) {
        Limits l = explicitLimits != null ? explicitLimits : Objects.requireNonNull(defaults, "defaults");
        return timeout != null ? l.withTimeout(timeout) : l;
    }

    /** The client this run is accounted to (a cgroup name component); empty for the shared "local" client. */
    public Optional<String> clientKey() { return Optional.ofNullable(clientKey); }

    /** Extra environment entries, {@code NAME=value}, added after the image's. */
    public List<String> extraEnv() { return extraEnv; }

    /** Whether stdin is a pipe fed while the run goes ({@link Run#writeStdin}) rather than the file {@link #input()}. */
    public boolean interactiveStdin() { return interactiveStdin; }

    /** Builds a {@link RunSpec}; collections are copied at {@link #build()}. */
    public static final class Builder {
        private Image image = Image.host();
        private byte[] runnerScript;
        private List<String> command;
        private byte[] code = new byte[0];
        private byte[] input = new byte[0];
        private List<byte[]> arguments = List.of();
        private List<byte[]> options = List.of();
        private Limits limits;
        private Duration timeout;
        private String clientKey;
        private final List<String> extraEnv = new ArrayList<>();
        private boolean interactiveStdin;

        private Builder() { }

        /** The image (default: the host image). */
        public Builder image(Image image) { this.image = Objects.requireNonNull(image); return this; }

        /** Run {@code /ATO/bash /ATO/runner} with this script as {@code /ATO/runner}. */
        public Builder runnerScript(byte[] script) { this.runnerScript = script.clone(); this.command = null; return this; }

        /** Same as {@link #runnerScript(byte[])} for a UTF-8 script text. */
        public Builder runnerScript(String script) { return runnerScript(script.getBytes(StandardCharsets.UTF_8)); }

        /** Run this argv (looked up on the image's PATH) instead of a runner script. */
        public Builder command(List<String> argv) {
            if (argv.isEmpty()) throw new IllegalArgumentException("empty command");
            for (String a : argv) {
                if (a.indexOf('\0') >= 0) throw new IllegalArgumentException("a command word cannot contain a NUL character");
            }
            this.command = List.copyOf(argv);
            this.runnerScript = null;
            return this;
        }

        /** Same as {@link #command(List)}. */
        public Builder command(String... argv) { return command(List.of(argv)); }

        /** The bytes of /ATO/code. */
        public Builder code(byte[] code) { this.code = code.clone(); return this; }

        /** /ATO/code as UTF-8 text. */
        public Builder code(String code) { return code(code.getBytes(StandardCharsets.UTF_8)); }

        /** The bytes of /ATO/input (the program's stdin). */
        public Builder input(byte[] input) { this.input = input.clone(); return this; }

        /** /ATO/input as UTF-8 text. */
        public Builder input(String input) { return input(input.getBytes(StandardCharsets.UTF_8)); }

        /** The strings of /ATO/arguments, in order. */
        public Builder arguments(List<byte[]> arguments) { this.arguments = nulFree(arguments, "an argument"); return this; }

        /** The strings of /ATO/options, in order. */
        public Builder options(List<byte[]> options) { this.options = nulFree(options, "an option"); return this; }

        /** The files are NUL-separated lists, so a NUL inside one string would silently split it in two. */
        private static List<byte[]> nulFree(List<byte[]> items, String what) {
            for (byte[] b : items) {
                for (byte x : b) {
                    if (x == 0) throw new IllegalArgumentException(what + " cannot contain a NUL byte");
                }
            }
            return items.stream().map(byte[]::clone).toList();
        }

        /** This run's limits instead of the sandbox's defaults. */
        public Builder limits(Limits limits) { this.limits = Objects.requireNonNull(limits); return this; }

        /** Shorthand for the wall-clock limit; overrides {@code limits.timeout()}. */
        public Builder timeout(Duration timeout) { this.timeout = Objects.requireNonNull(timeout); return this; }

        /** The client to account the run to: letters, digits, '-' and '_' only, at most 64 characters. */
        public Builder clientKey(String key) {
            if (!key.matches("[A-Za-z0-9_-]{1,64}")) throw new IllegalArgumentException("bad client key: " + key);
            this.clientKey = key;
            return this;
        }

        /** Adds an environment entry {@code NAME=value} for the run. */
        public Builder env(String name, String value) {
            if (name.isEmpty() || name.contains("=") || name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("bad environment entry: " + name);
            }
            extraEnv.add(name + "=" + value);
            return this;
        }

        /**
         * Makes stdin a pipe: the program reads {@link #input} first, then what {@link Run#writeStdin} sends, and end
         * of file after {@link Run#closeStdin}. {@code /ATO/input} is then a symlink to {@code /proc/self/fd/0}, so a
         * runner's {@code < /ATO/input} reads the same pipe.
         */
        public Builder interactiveStdin(boolean value) { this.interactiveStdin = value; return this; }

        /** The spec; fails when neither or both of a runner script and a command were given. */
        public RunSpec build() { return new RunSpec(this); }
    }
}
