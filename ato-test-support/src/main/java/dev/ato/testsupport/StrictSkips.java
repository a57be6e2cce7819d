package dev.ato.testsupport;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Applies {@link StrictMode} to the skips of every test: registered through {@code META-INF/services} and JUnit's
 * extension autodetection (the parent POM turns it on for every module), it sees each {@code TestAbortedException}
 * a test or one of its {@code @BeforeAll/@BeforeEach/@AfterEach/@AfterAll} methods throws. In strict mode it turns
 * it into a failure that names the missing thing; an {@link OutOfScope} skip stays a skip in every mode and is
 * printed, one line each, as it happens.
 *
 * <p>Skips that are not exceptions (an {@code ExecutionCondition} such as the testkit's host probe) are made to run
 * in strict mode by the parent POM, which deactivates the project's own conditions there.
 */
public final class StrictSkips implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
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
            // One line per such skip, printed while the test runs (so surefire shows it): they are counted in
            // the skips of the class, and these lines say which they are.
            System.out.println("ato tests: skipped, " + t.getMessage() + " [" + context.getUniqueId() + "]");
            return t;
        }
        if (t instanceof TestAbortedException && StrictMode.on()) {
            AssertionError failure = new AssertionError("skipped for something this host lacks, a failure in strict mode ("
                    + StrictMode.PROPERTY + "=true): " + t.getMessage(), t);
            return failure;
        }
        return t;
    }
}
