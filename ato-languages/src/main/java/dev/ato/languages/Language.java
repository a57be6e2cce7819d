package dev.ato.languages;

import java.util.List;
import java.util.Objects;

/**
 * One language of the catalog, in the shape of ATO's {@code languages.json}.
 *
 * @param id         ATO's id ({@code python}, {@code c_gcc} ...), also the runner's file name
 * @param name       display name
 * @param image      where it lives: {@code host} for the host image, or an image reference in the store
 * @param version    the language's version, as shown to people
 * @param url        the language's home page
 * @param sbcs       whether the language counts bytes with its own single-byte code page
 * @param atoId      whether {@code id} is one of ATO's own ids (its hello world is then ATO's, and the runner
 *                   behaves as ATO's does); false for the languages only this catalog has
 * @param seClass    Stack Exchange syntax-highlighting class
 * @param helloWorld a program printing a known output, used by tests and readiness checks
 * @param requires   executables (absolute paths or names looked up on PATH) that must exist in the image
 * @param packages   the Debian packages that provide {@code requires} on the host image (may be empty)
 * @param hostPaths  host directories beyond the host image's {@code /usr /bin /sbin /lib* /etc} that the
 *                   language needs bound read-only at the same path (GHC's package database lives in
 *                   {@code /var/lib/ghc}); empty for most languages, ignored for other images
 * @param runner     the runner script's bytes (run as {@code /ATO/bash /ATO/runner})
 */
public record Language(
        String id,
        String name,
        String image,
        String version,
        String url,
        boolean sbcs,
        boolean atoId,
        String seClass,
        HelloWorld helloWorld,
        List<String> requires,
        List<String> packages,
        List<String> hostPaths,
        byte[] runner) {

    /** Checks that no field is null and copies the lists and the runner's bytes. */
    public Language {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(seClass, "seClass");
        Objects.requireNonNull(helloWorld, "helloWorld");
        requires = List.copyOf(requires);
        packages = List.copyOf(packages);
        hostPaths = List.copyOf(hostPaths);
        for (String p : hostPaths) {
            if (!p.startsWith("/") || p.contains("/../") || p.endsWith("/..") || p.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("host path must be absolute and normal: " + p);
            }
        }
        Objects.requireNonNull(runner, "runner");
        runner = runner.clone();
    }

    /** The runner script's bytes (a copy). */
    @Override
    public byte[] runner() {
        return runner.clone();
    }

    /** The image name that means "the host's own system directories". */
    public static final String HOST_IMAGE = "host";

    /** True when the language runs on the host image. */
    public boolean onHostImage() {
        return HOST_IMAGE.equals(image);
    }

    /**
     * A program and the exact output it must print.
     *
     * @param code      the program
     * @param input     its standard input (empty for most; {@code sed} needs a line to work on)
     * @param options   options for the interpreter or compiler (e.g. jq's {@code -nr}); usually empty
     * @param arguments arguments for the program; usually empty
     * @param output    the exact standard output expected
     */
    public record HelloWorld(String code, String input, List<String> options, List<String> arguments, String output) {
        /** Checks that no part is null and copies the lists. */
        public HelloWorld {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(input, "input");
            options = List.copyOf(options);
            arguments = List.copyOf(arguments);
            Objects.requireNonNull(output, "output");
        }

        /** A hello world without options or arguments. */
        public HelloWorld(String code, String input, String output) {
            this(code, input, List.of(), List.of(), output);
        }
    }
}
