package dev.ato.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Done's builder and status type: fields not set are false, 0 or absent; a built Done round-trips the wire. */
class DoneTest {
    @Test
    void builderDefaultsAndRoundTrip() {
        Done d = Done.builder(StatusType.CORE_DUMPED, 11).real(7).build();
        assertThat(d.timedOut()).isFalse();
        assertThat(d.user()).isZero();
        assertThat(d.oomKilled()).isEmpty();
        assertThat(d.caseIndex()).isEmpty();
        assertThat(d.succeeded()).isFalse();
        assertThat(d.toBuilder().build()).isEqualTo(d).hasSameHashCodeAs(d);
        assertThat(d.withCaseIndex(2)).isNotEqualTo(d);
        assertThat(d.withOomKilled(true).withCgroupMaxMem(5).withoutServerExtras()).isEqualTo(d);
        assertThat(ProtocolCodec.decodeDone(ProtocolCodec.encodeDone(d))).isEqualTo(d);
        assertThat(Done.builder(StatusType.EXITED, 0).build().succeeded()).isTrue();
    }

    @Test
    void statusTypeIsTheFourWireNames() {
        for (StatusType t : StatusType.values()) {
            assertThat(StatusType.fromWire(t.wireName())).contains(t);
            assertThat(t).hasToString(t.wireName());
        }
        assertThat(StatusType.fromWire("EXITED")).isEmpty();
        assertThat(StatusType.values()).extracting(StatusType::wireName)
                .containsExactly("exited", "killed", "core_dumped", "unknown");
    }
}
