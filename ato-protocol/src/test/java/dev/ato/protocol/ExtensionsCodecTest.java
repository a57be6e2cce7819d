package dev.ato.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The request fields, Done fields and client messages beyond ATO (issue 15): how they decode, encode and are
 * validated, and that a request or Done without them is exactly ATO's bytes.
 */
class ExtensionsCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final Done DONE = Done.builder(StatusType.EXITED, 0).real(1).kernel(2).user(3).maxMem(4).waits(5)
            .preemptions(6).majorPageFaults(7).minorPageFaults(8).inputOps(9).outputOps(10).build();

    @Test
    void theNewFieldsRoundTripAndArePutAfterAtosOnlyWhenSet() {
        ExecuteRequest plain = ExecuteRequest.builder("bash").code("x").input("in").arguments("a").build();
        ExecuteRequest full = plain.toBuilder().interactive(true).outputLimit(100).wantQuota(true)
                .cases(List.of(TestCase.of("1"), TestCase.of("2", "b"))).build();
        assertThat(ProtocolCodec.decodeRequest(ProtocolCodec.encodeRequest(full))).isEqualTo(full);
        byte[] plainBytes = ProtocolCodec.encodeRequest(plain);
        byte[] fullBytes = ProtocolCodec.encodeRequest(full);
        // ATO's six fields come first, byte for byte; the map header counts the extras.
        assertThat(plainBytes[0]).isEqualTo((byte) 0x86);
        assertThat(fullBytes[0]).isEqualTo((byte) 0x8a);
        assertThat(HEX.formatHex(fullBytes).substring(2)).startsWith(HEX.formatHex(plainBytes).substring(2));
        assertThat(plain.atoOnly()).isTrue();
        assertThat(full.atoOnly()).isFalse();
    }

    @Test
    void aCaseWithoutInputOrArgumentsTakesTheRequestsOwn() {
        byte[] msg = ProtocolJson.toMsgpack(("{\"language\":\"bash\",\"code\":\"\",\"input\":\"top\",\"arguments\":[\"t\"],"
                + "\"options\":[],\"cases\":[{},{\"input\":\"own\"},{\"arguments\":[]}]}").getBytes(StandardCharsets.UTF_8));
        List<TestCase> cases = ProtocolCodec.decodeRequest(msg).cases();
        assertThat(cases).containsExactly(TestCase.of("top", "t"), TestCase.of("own", "t"), TestCase.of("top"));
    }

    @Test
    void badValuesAreRefusedNamingTheField() {
        String base = "\"language\":\"bash\",\"code\":\"\",\"input\":\"\",\"arguments\":[],\"options\":[]";
        assertThatThrownBy(() -> decodeJson("{" + base + ",\"interactive\":\"yes\"}"))
                .hasMessage("`interactive`: invalid type: string \"yes\", expected a boolean");
        assertThatThrownBy(() -> decodeJson("{" + base + ",\"cases\":{}}"))
                .hasMessage("`cases`: invalid type: map, expected a sequence");
        assertThatThrownBy(() -> decodeJson("{" + base + ",\"output_limit\":1.5}"))
                .hasMessage("`output_limit`: invalid type: floating point `1.5`, expected i32");
        assertThatThrownBy(() -> decodeJson("{" + base + ",\"want_quota\":true,\"want_quota\":true}"))
                .hasMessageContaining("duplicate key want_quota");
        ExecuteRequest r = ExecuteRequest.builder("bash").outputLimit(0).build();
        assertThat(RequestValidator.violations(r)).containsExactly("output_limit not in range 1-131072: 0");
        assertThat(RequestValidator.violations(r.toBuilder().outputLimit(131072).build())).isEmpty();
        assertThat(RequestValidator.violations(r.toBuilder().noOutputLimit().interactive(true)
                .cases(List.of(TestCase.of(""))).build())).containsExactly("interactive and cases cannot be combined");
        // ATO's own rules are still reported first.
        assertThat(RequestValidator.violations(r.toBuilder().timeout(0).build()).getFirst())
                .isEqualTo("timeout not in range 1-60: 0");
    }

    private static ExecuteRequest decodeJson(String json) {
        return ProtocolCodec.decodeRequest(ProtocolJson.toMsgpack(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theNewKeysAreNotReachableByFieldIndexOrInTheArrayForm() {
        // serde's field index 7 is unknown to ATO, and to us: skipped.
        byte[] byIndex = HEX.parseHex("87" + "00a462617368" + "01c400" + "03c400" + "0490" + "0590" + "07c3" + "06" + "05");
        ExecuteRequest r = ProtocolCodec.decodeRequest(byIndex);
        assertThat(r.interactive()).isFalse();
        assertThat(r.timeout()).isEqualTo(5);
    }

    @Test
    void doneExtrasAreWrittenAfterAtosFieldsInOneOrderAndReadBack() {
        Done d = DONE.withOomKilled(false).withCaseIndex(3).withQuota(new Quota(16, 15));
        byte[] wire = ProtocolCodec.encode(new ServerMessage.Finished(d));
        byte[] ato = ProtocolCodec.encode(new ServerMessage.Finished(DONE));
        // {"Done": map}: fixmap 15 for ATO's fields, map16 of 18 with the extras.
        assertThat(HEX.formatHex(ato).substring(12, 14)).isEqualTo("8f");
        assertThat(HEX.formatHex(wire).substring(12, 18)).isEqualTo("de0012");
        // After the map header: ATO's fifteen fields, then oom_killed, case, quota.
        String tail = HEX.formatHex(wire).substring(18);
        assertThat(tail).startsWith(HEX.formatHex(ato).substring(14));
        assertThat(tail).endsWith(HEX.formatHex("oom_killed".getBytes()) + "c2" + "a4" + HEX.formatHex("case".getBytes())
                + "03" + "a5" + HEX.formatHex("quota".getBytes()) + "82a5" + HEX.formatHex("limit".getBytes()) + "10"
                + "a9" + HEX.formatHex("remaining".getBytes()) + "0f");
        Done back = ((ServerMessage.Finished) ProtocolCodec.decodeServerMessage(wire)).done();
        assertThat(back).isEqualTo(d);
        assertThat(back.caseIndex()).isEqualTo(OptionalInt.of(3));
        assertThat(ProtocolCodec.decodeDone(ProtocolCodec.encodeDone(d))).isEqualTo(d);
        assertThat(DONE.oomKilled()).isEmpty();
        assertThat(DONE.caseIndex()).isEmpty();
        assertThat(DONE.cgroupMaxMem()).isEmpty();
        assertThat(DONE.quota()).isEqualTo(Optional.empty());
    }

    @Test
    void clientMessagesDecode() {
        assertThat(ProtocolCodec.decodeClientMessage(ProtocolCodec.encodeKill())).isEqualTo(new ClientMessage.Kill());
        assertThat(ProtocolCodec.decodeClientMessage(ProtocolCodec.encodeEof())).isEqualTo(new ClientMessage.Eof());
        assertThat(HEX.formatHex(ProtocolCodec.encodeEof())).isEqualTo("a3456f66");
        assertThat(ProtocolCodec.decodeClientMessage(HEX.parseHex("81a3456f66c0"))).isEqualTo(new ClientMessage.Eof());
        assertThat(ProtocolCodec.decodeClientMessage(ProtocolCodec.encodeStdin("hi".getBytes())))
                .isEqualTo(new ClientMessage.Stdin("hi".getBytes()));
        // A str is taken for the bin, as in a request.
        assertThat(ProtocolCodec.decodeClientMessage(HEX.parseHex("81a5537464696ea26869")))
                .isEqualTo(new ClientMessage.Stdin("hi".getBytes()));
        assertThatThrownBy(() -> ProtocolCodec.decodeClientMessage(HEX.parseHex("a54869686921")))
                .hasMessageContaining("expected `Kill`, `Eof` or {\"Stdin\": bin}");
        assertThatThrownBy(() -> ProtocolCodec.decodeClientMessage(HEX.parseHex("81a5537464696e05")))
                .hasMessage("`Stdin`: invalid type: integer `5`, expected byte array");
        assertThatThrownBy(() -> ProtocolCodec.decodeClientMessage(HEX.parseHex("a3456f6600")))
                .hasMessage("found extra data");
        assertThat(ProtocolCodec.isKill(ProtocolCodec.encodeEof())).isFalse();
    }

    @Test
    void jsonTranslatesBothWays() {
        assertThat(ProtocolJson.fromMsgpack(ProtocolJson.toMsgpack(
                "{\"a\": [1, -2, 3.5, true, null, \"x\\n\\u00e9\"]}".getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("{\"a\":[1,-2,3.5,true,null,\"x\\né\"]}");
        assertThat(ProtocolJson.fromMsgpack(ProtocolCodec.encodeV0Response(DONE, new byte[] {(byte) 0xff}, new byte[0])))
                .startsWith("{\"stdout\":\"/w==\",\"stderr\":\"\",\"timed_out\":false");
        for (String bad : List.of("", "{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "tru", "[1] 2", "{\"a\":1,}")) {
            assertThatThrownBy(() -> ProtocolJson.toMsgpack(bad.getBytes(StandardCharsets.UTF_8)))
                    .as(bad).isInstanceOf(ProtocolException.class).hasMessageStartingWith("invalid JSON at character ");
        }
        assertThatThrownBy(() -> ProtocolJson.toMsgpack("[".repeat(100).getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("nested deeper than 64");
        assertThatThrownBy(() -> ProtocolJson.toMsgpack(new byte[ProtocolLimits.MAX_REQUEST_BYTES + 1]))
                .isInstanceOf(ProtocolException.class).extracting("closeCode").isEqualTo(1009);
    }

    @Test
    void v1AnswersAreOneMapOrAnArrayOfThem() {
        Result a = new Result("a".getBytes(), new byte[0], DONE.withCaseIndex(0));
        Result b = new Result("b".getBytes(), "e".getBytes(), DONE.withCaseIndex(1));
        assertThat(ProtocolCodec.decodeV1Response(ProtocolCodec.encodeV1Response(List.of(a, b), true)))
                .containsExactly(a, b);
        assertThat(ProtocolCodec.encodeV1Response(List.of(a), false))
                .isEqualTo(ProtocolCodec.encodeV0Response(a.done(), a.stdout(), a.stderr()));
    }
}
