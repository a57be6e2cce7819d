package dev.ato.testsupport;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Applies {@link StrictMode} to the skips of every test: registered through {@code META-INF/services} and JUnit's
 * extension autodetection (the parent POM turns it on for every module), it sees each {@code TestAbortedException}
 * a test or one of its {@code @BeforeAll/@BeforeEach/@AfterEach/@AfterAll} methods throws. In strict mode it turns
 * it into a failure that names the missing thing; an {@link OutOfScope} skip stays a skip in every mode and is
 * counted for the summary printed when the run ends.
 *
 * <p>Skips that are not exceptions (an {@code ExecutionCondition} such as the testkit's host probe) are made to run
 * in strict mode by the parent POM, which deactivates the project's own conditions there.
 */
public final class StrictSkips implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(StrictSkips.class);

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw judged(context, t);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw judged(context, t);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw judged(context, t);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw judged(context, t);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable t) throws Throwable {
        throw judged(context, t);
    }

    /** The throwable to rethrow: as it came, except a host-lacks-X skip in strict mode, which becomes a failure. */
    static Throwable judged(ExtensionContext context, Throwable t) {
        if (t instanceof OutOfScope) {
            summary(context).add(context.getDisplayName() + " (" + context.getUniqueId() + "): " + t.getMessage());
            return t;
        }
        if (t instanceof TestAbortedException && StrictMode.on()) {
            AssertionError failure = new AssertionError("skipped for something this host lacks, a failure in strict mode ("
                    + StrictMode.PROPERTY + "=true): " + t.getMessage(), t);
            return failure;
        }
        return t;
    }

    private static Summary summary(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent(Summary.class, k -> new Summary(), Summary.class);
    }

    /** The out-of-scope skips of one test run, printed when JUnit closes the run's root context. */
    static final class Summary implements AutoCloseable {
        private final List<String> skips = new ArrayList<>();

        synchronized void add(String skip) {
            skips.add(skip);
        }

        @Override
        public synchronized void close() {
            if (skips.isEmpty()) return;
            StringBuilder out = new StringBuilder("ato tests: " + skips.size()
                    + " skipped as out of scope (by design, not for want of anything on this host; strict mode lets these through):");
            for (String s : skips) out.append("\n  ").append(s);
            System.out.println(out);
        }
    }
}
