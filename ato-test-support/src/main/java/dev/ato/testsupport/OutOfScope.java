package dev.ato.testsupport;

import java.util.function.Supplier;
import org.opentest4j.TestAbortedException;

/**
 * A skip that is not the host lacking something but the test not applying to this run by design (for example
 * the hello world of a language that exists only in an image, not in the host's ready set). It stays a skip in
 * strict mode; {@link StrictSkips} prints one line for each.
 */
public final class OutOfScope extends TestAbortedException {
    private OutOfScope(String why) {
        super("out of scope: " + why);
    }

    /** Skips the calling test, in every mode, unless it applies; {@code why} says why it does not. */
    public static void unless(boolean applies, Supplier<String> why) {
        if (!applies) throw new OutOfScope(why.get());
    }
}
