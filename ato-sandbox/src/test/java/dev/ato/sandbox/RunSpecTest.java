package dev.ato.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunSpecTest {
    @Test
    void aSpecNeedsExactlyOneOfScriptAndCommand() {
        assertThatThrownBy(() -> RunSpec.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(RunSpec.builder().runnerScript("x").command("y").build().runnerScript()).isEmpty();
    }

    @Test
    void nulBytesInArgumentsOptionsAndCommandWordsAreRefused() {
        assertThatThrownBy(() -> RunSpec.builder().arguments(List.of(new byte[] {'a', 0, 'b'})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> RunSpec.builder().options(List.of(new byte[] {0})))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> RunSpec.builder().command("a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RunSpec.builder().clientKey("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RunSpec.builder().env("A=B", "c")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theSandboxDefaultsApplyUnlessTheSpecSetsLimitsAndATimeoutOverridesEither() {
        Limits defaults = Limits.defaults().withMemoryBytes(64L << 20);
        RunSpec plain = RunSpec.builder().command("true").build();
        assertThat(plain.effectiveLimits(defaults)).isEqualTo(defaults);
        RunSpec timed = RunSpec.builder().command("true").timeout(Duration.ofSeconds(3)).build();
        assertThat(timed.effectiveLimits(defaults)).isEqualTo(defaults.withTimeout(Duration.ofSeconds(3)));
        Limits own = Limits.defaults().withPids(10);
        RunSpec limited = RunSpec.builder().command("true").limits(own).build();
        assertThat(limited.effectiveLimits(defaults)).isEqualTo(own);
    }
}
