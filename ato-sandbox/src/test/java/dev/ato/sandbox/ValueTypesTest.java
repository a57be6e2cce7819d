package dev.ato.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The public value types: builders with defaults, checks at build, equality by content. */
class ValueTypesTest {
    @Test
    void sandboxConfigBuilderHasTheDefaultsAndChecksAtBuild() {
        SandboxConfig d = SandboxConfig.defaults();
        assertThat(d.stateDir()).isEqualTo(Path.of("/run/ato"));
        assertThat(d.cgroupName()).isEqualTo("ato");
        assertThat(d.uidBase()).isEqualTo(100000);
        assertThat(d.uidCount()).isEqualTo(65536);
        assertThat(d.clientMemoryBytes()).isEqualTo(8L << 30);
        assertThat(d.uidSlots()).isEqualTo(SandboxConfig.DEFAULT_UID_SLOTS);
        SandboxConfig other = d.toBuilder().cgroupName("x").build();
        assertThat(other).isNotEqualTo(d);
        assertThat(other.toBuilder().cgroupName("ato").build()).isEqualTo(d).hasSameHashCodeAs(d);
        assertThatThrownBy(() -> SandboxConfig.builder().idBase(0, 1).build()).hasMessageContaining("host root");
        assertThatThrownBy(() -> SandboxConfig.builder().stateDir(Path.of("rel")).build()).hasMessageContaining("absolute");
        assertThatThrownBy(() -> SandboxConfig.builder().cgroupName("a/b").build()).hasMessageContaining("cgroup name");
    }

    @Test
    void runResultBuilderDefaultsToUnknownAndComparesByValue() {
        RunResult unknown = RunResult.builder().build();
        assertThat(unknown.statusType()).isEqualTo(StatusType.UNKNOWN);
        assertThat(unknown.statusValue()).isEqualTo(-1);
        assertThat(unknown.succeeded()).isFalse();
        RunResult ok = RunResult.builder().status(StatusType.EXITED, 0).realNanos(5).oomKilled(false).build();
        assertThat(ok.succeeded()).isTrue();
        assertThat(ok.toBuilder().build()).isEqualTo(ok).hasSameHashCodeAs(ok);
        assertThat(ok.toBuilder().cgroupPeakKib(1).build()).isNotEqualTo(ok);
        assertThatThrownBy(() -> RunResult.builder().statusType(null).build()).isInstanceOf(NullPointerException.class);
    }

    @Test
    void completedRunComparesOutputByContent() {
        RunResult r = RunResult.builder().status(StatusType.EXITED, 0).build();
        CompletedRun a = new CompletedRun(r, "out".getBytes(), new byte[0]);
        CompletedRun b = new CompletedRun(r, "out".getBytes(), new byte[0]);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(new CompletedRun(r, "ouT".getBytes(), new byte[0]));
    }
}
