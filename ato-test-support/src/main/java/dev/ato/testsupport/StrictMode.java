package dev.ato.testsupport;

/**
 * The strict switch of the project's tests. Off (a developer's machine), a test whose host lacks something it
 * needs (root, a cgroup controller, an installed compiler ...) is skipped with the reason; on ({@code
 * -Dato.test.strict=true}, as {@code .ci/run} runs the suite), that skip is a failure, because in CI nothing may be
 * skipped for want of something the project's own setup scripts should have installed.
 *
 * <p>{@link StrictSkips}, found by JUnit on the test class path, applies the switch to every assumption of every
 * test, so a plain {@code assumeTrue} is covered too. The one skip strict mode lets through is {@link OutOfScope}:
 * a test that does not apply to this run by design (an image-only language's hello world needs its image
 * pulled), counted among the skips and named in one printed line each.
 */
public final class StrictMode {
    /** The system property (and Maven property) that turns strict mode on. */
    public static final String PROPERTY = "ato.test.strict";

    private StrictMode() { }

    /** Whether this JVM runs its tests strictly. */
    public static boolean on() {
        return Boolean.parseBoolean(System.getProperty(PROPERTY, "false"));
    }
}
