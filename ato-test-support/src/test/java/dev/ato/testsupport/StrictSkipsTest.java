package dev.ato.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs small test classes through a JUnit launcher of its own, with the extension found as every module finds it
 * (autodetection), once without and once with the strict switch: a host-lacks-X skip fails only in strict mode, an
 * out-of-scope skip never does, and a passing or failing test is left as it was.
 */
class StrictSkipsTest {
    private String before;

    @BeforeEach
    void remember() {
        before = System.getProperty(StrictMode.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (before == null) System.clearProperty(StrictMode.PROPERTY);
        else System.setProperty(StrictMode.PROPERTY, before);
    }

    @Test
    void withoutTheSwitchASkipForSomethingTheHostLacksStaysASkip() {
        TestExecutionSummary s = run(false, Samples.class);
        assertThat(s.getTestsSucceededCount()).isEqualTo(1);
        assertThat(s.getTestsAbortedCount()).isEqualTo(3);
        assertThat(s.getTestsFailedCount()).isEqualTo(1);
    }

    @Test
    void withTheSwitchItFailsNamingWhatIsMissingButAnOutOfScopeSkipStaysASkip() {
        TestExecutionSummary s = run(true, Samples.class);
        assertThat(s.getTestsSucceededCount()).isEqualTo(1);
        assertThat(s.getTestsAbortedCount()).isEqualTo(1);
        assertThat(s.getTestsFailedCount()).isEqualTo(3);
        assertThat(s.getFailures()).extracting(f -> f.getException().getMessage())
                .anySatisfy(m -> assertThat(m).contains("strict mode").contains("this host has no frobnicator"))
                .anySatisfy(m -> assertThat(m).contains("expected to fail"));
    }

    @Test
    void withTheSwitchASkipInBeforeAllFailsEveryTestOfTheClass() {
        assertThat(run(false, SkipsInBeforeAll.class).getTestsFailedCount()).isZero();
        TestExecutionSummary s = run(true, SkipsInBeforeAll.class);
        assertThat(s.getContainersFailedCount() + s.getTestsFailedCount()).isPositive();
        assertThat(s.getTestsSucceededCount()).isZero();
    }

    private static TestExecutionSummary run(boolean strict, Class<?> c) {
        System.setProperty(StrictMode.PROPERTY, Boolean.toString(strict));
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(c))
                .configurationParameters(Map.of("junit.jupiter.extensions.autodetection.enabled", "true"))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        return listener.getSummary();
    }

    /** Run only through {@link #run}: surefire leaves nested classes alone. */
    static class Samples {
        @Test
        void passes() { }

        @Test
        void fails() {
            throw new AssertionError("expected to fail");
        }

        @Test
        void hostLacksSomething() {
            Assumptions.assumeTrue(false, "this host has no frobnicator");
        }

        @Test
        void hostLacksSomethingElse() {
            Assumptions.abort("this host has no widget");
        }

        @Test
        void outOfScope() {
            OutOfScope.unless(false, () -> "image-only language");
        }
    }

    /** Run only through {@link #run}. */
    static class SkipsInBeforeAll {
        @BeforeAll
        static void needsSomething() {
            Assumptions.assumeTrue(false, "this host has no gizmo");
        }

        @Test
        void needsTheGizmo() { }
    }
}
