package dev.ato.protocol;

import static dev.ato.protocol.Bytes.hex;
import static dev.ato.protocol.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Byte vectors written by hand from the msgpack spec and from what ATO's server (rmp-serde {@code to_vec_named},
 * smallest integer formats, positive values as uint) sends: decoded, and re-encoded to the same bytes.
 */
class ProtocolCodecGoldenTest {

    private static final String SIMPLE_REQUEST = """
            86
              a8 "language" a6 "python"
              a4 "code"     c4 08 "print(1)"
              a5 "input"    c4 00
              a9 "arguments" 90
              a7 "options"  90
              a7 "timeout"  3c
            """;

    @Test
    void simpleRequestEncodesAsAtosPageDoesAndDecodesBack() {
        ExecuteRequest r = ExecuteRequest.of("python", "print(1)");
        assertThat(hex(ProtocolCodec.encodeRequest(r))).isEqualTo(hex(Bytes.of(SIMPLE_REQUEST)));
        assertThat(ProtocolCodec.decodeRequest(Bytes.of(SIMPLE_REQUEST))).isEqualTo(r);
    }

    @Test
    void fullRequestWithCustomRunnerRoundTripsByteForByte() {
        byte[] wire = Bytes.of("""
                87
                  a8 "language" a4 "bash"
                  a4 "code"     c4 04 "echo"
                  a5 "input"    c4 02 "in"
                  a9 "arguments" 92 c4 01 "a" c4 00
                  a7 "options"  91 c4 02 "-x"
                  a7 "timeout"  05
                  ad "custom_runner" c4 03 "run"
                """);
        ExecuteRequest r = ProtocolCodec.decodeRequest(wire);
        assertThat(r.language()).isEqualTo("bash");
        assertThat(r.code()).isEqualTo(utf8("echo"));
        assertThat(r.input()).isEqualTo(utf8("in"));
        assertThat(r.arguments()).containsExactly(utf8("a"), new byte[0]);
        assertThat(r.options()).containsExactly(utf8("-x"));
        assertThat(r.timeout()).isEqualTo(5);
        assertThat(r.customRunner()).hasValueSatisfying(v -> assertThat(v).isEqualTo(utf8("run")));
        assertThat(hex(ProtocolCodec.encodeRequest(r))).isEqualTo(hex(wire));
    }

    @Test
    void longBinariesUseBin16AndBin32Headers() {
        byte[] code = new byte[300];
        byte[] input = new byte[70000];
        byte[] wire = ProtocolCodec.encodeRequest(ExecuteRequest.of("x", code).withInput(input));
        // a4 "code" then bin16 (c5 01 2c); a5 "input" then bin32 (c6 00 01 11 70)
        assertThat(hex(wire)).contains("63 6f 64 65 c5 01 2c 00")
                .contains("69 6e 70 75 74 c6 00 01 11 70 00");
    }

    @Test
    void stdoutAndStderrAreOneEntryMapsWithABinValue() {
        byte[] out = Bytes.of("81 a6 \"Stdout\" c4 03 68 69 0a");
        byte[] err = Bytes.of("81 a6 \"Stderr\" c4 00");
        assertThat(hex(ProtocolCodec.encode(new ServerMessage.Stdout(utf8("hi\n"))))).isEqualTo(hex(out));
        assertThat(hex(ProtocolCodec.encode(new ServerMessage.Stderr(new byte[0])))).isEqualTo(hex(err));
        assertThat(ProtocolCodec.decodeServerMessage(out)).isEqualTo(new ServerMessage.Stdout(utf8("hi\n")));
        assertThat(ProtocolCodec.decodeServerMessage(err)).isEqualTo(new ServerMessage.Stderr(new byte[0]));
    }

    private static final Done DONE = Done.builder(StatusType.EXITED, 0).stderrTruncated(true).real(100_000_000L)
            .kernel(1000).user(200).maxMem(4096).waits(5).preemptions(127).majorPageFaults(128)
            .minorPageFaults(1L << 32).outputOps(8).build();

    private static final String DONE_WIRE = """
            81 a4 "Done" 8f
              a9 "timed_out" c2
              b0 "stdout_truncated" c2
              b0 "stderr_truncated" c3
              ab "status_type" a6 "exited"
              ac "status_value" 00
              a4 "real" ce 05 f5 e1 00
              a6 "kernel" cd 03 e8
              a4 "user" cc c8
              a7 "max_mem" cd 10 00
              a5 "waits" 05
              ab "preemptions" 7f
              b1 "major_page_faults" cc 80
              b1 "minor_page_faults" cf 00 00 00 01 00 00 00 00
              a9 "input_ops" 00
              aa "output_ops" 08
            """;

    @Test
    void doneIsAStructVariantMapInAtosFieldOrderWithSmallestIntegers() {
        assertThat(hex(ProtocolCodec.encode(new ServerMessage.Finished(DONE)))).isEqualTo(hex(Bytes.of(DONE_WIRE)));
        assertThat(ProtocolCodec.decodeServerMessage(Bytes.of(DONE_WIRE))).isEqualTo(new ServerMessage.Finished(DONE));
    }

    @Test
    void negativeValuesUseNegativeFixintAndSignedFormats() {
        Done d = Done.builder(StatusType.UNKNOWN, -1).timedOut(true).real(-33).kernel(-200).user(-40000)
                .maxMem(-3_000_000_000L).build();
        String wire = hex(ProtocolCodec.encode(new ServerMessage.Finished(d)));
        assertThat(wire).contains(hex(Bytes.of("ac \"status_value\" ff")))
                .contains(hex(Bytes.of("a4 \"real\" d0 df")))
                .contains(hex(Bytes.of("a6 \"kernel\" d1 ff 38")))
                .contains(hex(Bytes.of("a4 \"user\" d2 ff ff 63 c0")))
                .contains(hex(Bytes.of("a7 \"max_mem\" d3 ff ff ff ff 4d 2f a2 00")));
        assertThat(ProtocolCodec.decodeServerMessage(ProtocolCodec.encode(new ServerMessage.Finished(d))))
                .isEqualTo(new ServerMessage.Finished(d));
    }

    @Test
    void oomKilledIsAppendedOnlyWhenPresentAndTurnsTheMapIntoMap16() {
        byte[] wire = ProtocolCodec.encode(new ServerMessage.Finished(DONE.withOomKilled(true)));
        String expected = hex(Bytes.of(DONE_WIRE)).replace("a4 44 6f 6e 65 8f", "a4 44 6f 6e 65 de 00 10")
                + " " + hex(Bytes.of("aa \"oom_killed\" c3"));
        assertThat(hex(wire)).isEqualTo(expected);
        ServerMessage.Finished back = (ServerMessage.Finished) ProtocolCodec.decodeServerMessage(wire);
        assertThat(back.done().oomKilled()).contains(true);
        assertThat(((ServerMessage.Finished) ProtocolCodec.decodeServerMessage(Bytes.of(DONE_WIRE))).done()
                .oomKilled()).isEmpty();
    }

    @Test
    void cgroupMaxMemFollowsOomKilledAsASmallestFormatIntegerAndIsReadBack() {
        byte[] wire = ProtocolCodec.encode(new ServerMessage.Finished(DONE.withOomKilled(false).withCgroupMaxMem(760)));
        String expected = hex(Bytes.of(DONE_WIRE)).replace("a4 44 6f 6e 65 8f", "a4 44 6f 6e 65 de 00 11")
                + " " + hex(Bytes.of("aa \"oom_killed\" c2 ae \"cgroup_max_mem\" cd 02 f8"));
        assertThat(hex(wire)).isEqualTo(expected);
        Done back = ((ServerMessage.Finished) ProtocolCodec.decodeServerMessage(wire)).done();
        assertThat(back.cgroupMaxMem()).contains(760L);
        assertThat(back.oomKilled()).contains(false);
        assertThat(back.withCgroupMaxMem(1).oomKilled()).contains(false);
        assertThat(back.withOomKilled(true).cgroupMaxMem()).contains(760L);
        // Alone, and as nil (absent): the same mechanism as oom_killed.
        byte[] alone = ProtocolCodec.encode(new ServerMessage.Finished(DONE.withCgroupMaxMem(1L << 40)));
        assertThat(hex(alone)).endsWith(hex(Bytes.of("ae \"cgroup_max_mem\" cf 00 00 01 00 00 00 00 00")));
        assertThat(((ServerMessage.Finished) ProtocolCodec.decodeServerMessage(alone)).done().oomKilled()).isEmpty();
        String nil = hex(Bytes.of(DONE_WIRE)).replace("a4 44 6f 6e 65 8f", "a4 44 6f 6e 65 de 00 10")
                + " " + hex(Bytes.of("ae \"cgroup_max_mem\" c0"));
        assertThat(((ServerMessage.Finished) ProtocolCodec.decodeServerMessage(Bytes.of(nil))).done())
                .isEqualTo(DONE);
        String text = hex(Bytes.of(DONE_WIRE)).replace("a4 44 6f 6e 65 8f", "a4 44 6f 6e 65 de 00 10")
                + " " + hex(Bytes.of("ae \"cgroup_max_mem\" a1 \"1\""));
        assertThatThrownBy(() -> ProtocolCodec.decodeServerMessage(Bytes.of(text)))
                .isInstanceOf(ProtocolException.class).hasMessageStartingWith("invalid type: string \"1\"");
    }

    @Test
    void killIsTheBareStringKill() {
        assertThat(hex(ProtocolCodec.encodeKill())).isEqualTo("a4 4b 69 6c 6c");
        assertThat(ProtocolCodec.isKill(Bytes.of("a4 \"Kill\""))).isTrue();
        assertThat(ProtocolCodec.isKill(Bytes.of("d9 04 \"Kill\""))).isTrue();
        assertThat(ProtocolCodec.isKill(Bytes.of("81 a4 \"Kill\" c0"))).isTrue();
        assertThat(ProtocolCodec.isKill(Bytes.of("00"))).isTrue();
        assertThat(ProtocolCodec.isKill(Bytes.of("a4 \"kill\""))).isFalse();
        assertThat(ProtocolCodec.isKill(Bytes.of("a4 \"Kill\" c0"))).isFalse();
        assertThat(ProtocolCodec.isKill(Bytes.of(SIMPLE_REQUEST))).isFalse();
        assertThat(ProtocolCodec.isKill(new byte[0])).isFalse();
    }

    @Test
    void v0ResponseIsOneMapOfOutputAndStatus() {
        byte[] wire = ProtocolCodec.encodeV0Response(DONE, utf8("out"), utf8("err"));
        String expected = "de 00 11 " + hex(Bytes.of("a6 \"stdout\" c4 03 \"out\" a6 \"stderr\" c4 03 \"err\""))
                + " " + hex(Bytes.of(DONE_WIRE)).substring("81 a4 44 6f 6e 65 8f ".length());
        assertThat(hex(wire)).isEqualTo(expected);
        assertThat(ProtocolCodec.decodeV0Response(wire)).isEqualTo(new V0Response(DONE, utf8("out"), utf8("err")));
    }

    @Test
    void v0ResponseOfAnOlderServerWithFewerFiguresDecodes() {
        byte[] old = Bytes.of("""
                86 a6 "stdout" c4 02 "hi" a6 "stderr" c4 00
                   ab "status_type" a6 "killed" ac "status_value" 09
                   a9 "timed_out" c3 a5 "swaps" 00
                """);
        V0Response r = ProtocolCodec.decodeV0Response(old);
        assertThat(r.done().statusType()).isEqualTo(StatusType.KILLED);
        assertThat(r.done().statusValue()).isEqualTo(9);
        assertThat(r.done().timedOut()).isTrue();
        assertThat(r.stdout()).isEqualTo(utf8("hi"));
    }

    @Test
    void metadataIsAMapOfLanguageIdToProperties() {
        Map<String, Map<String, String>> langs = new LinkedHashMap<>();
        Map<String, String> python = new LinkedHashMap<>();
        python.put("name", "Python");
        python.put("image", "python:3");
        langs.put("python", python);
        byte[] wire = Bytes.of("81 a6 \"python\" 82 a4 \"name\" a6 \"Python\" a5 \"image\" a8 \"python:3\"");
        assertThat(hex(ProtocolCodec.encodeMetadata(langs))).isEqualTo(hex(wire));
        assertThat(ProtocolCodec.decodeMetadata(wire)).isEqualTo(langs);
        assertThat(ProtocolCodec.decodeMetadata(Bytes.of("81 a1 \"x\" 82 a4 \"sbcs\" c3 a1 \"n\" c0")))
                .isEqualTo(Map.of("x", Map.of("sbcs", "true")));
    }

    @Test
    void laxInputsAreAcceptedAsAtoAcceptsThem() {
        byte[] wire = Bytes.of("""
                88
                  c4 08 "language" a6 "python"
                  a4 "code"     a8 "print(1)"
                  a5 "input"    92 68 69
                  a9 "arguments" 91 a3 "\u00e9t"
                  a7 "options"  90
                  a7 "timeout"  d0 3c
                  a5 "extra"    82 a1 "a" 93 c0 c3 cb 3f f0 00 00 00 00 00 00 a1 "b" d4 01 02
                  ad "custom_runner" c0
                """);
        ExecuteRequest r = ProtocolCodec.decodeRequest(wire);
        assertThat(r).isEqualTo(ExecuteRequest.builder("python").code("print(1)").input("hi").arguments("ét")
                .timeout(60).build());
    }

    @Test
    void fieldIndexesAndTheArrayFormOfTheStructAreAccepted() {
        byte[] byIndex = Bytes.of("85 00 a2 \"sh\" 01 c4 01 \"x\" 03 c4 00 04 90 05 90");
        assertThat(ProtocolCodec.decodeRequest(byIndex)).isEqualTo(ExecuteRequest.of("sh", "x"));
        byte[] asArray = Bytes.of("96 a2 \"sh\" c4 01 \"x\" c0 c4 00 90 90");
        assertThat(ProtocolCodec.decodeRequest(asArray)).isEqualTo(ExecuteRequest.of("sh", "x"));
        byte[] asArrayFull = Bytes.of("97 a2 \"sh\" c4 01 \"x\" c4 01 \"r\" c4 00 90 90 0a");
        assertThat(ProtocolCodec.decodeRequest(asArrayFull))
                .isEqualTo(ExecuteRequest.of("sh", "x").withCustomRunner(utf8("r")).withTimeout(10));
    }

    @Test
    void missingTimeoutDefaultsToSixtyAndWiderIntegerFormatsAreRead() {
        byte[] noTimeout = Bytes.of("85 a8 \"language\" a1 \"a\" a4 \"code\" c4 00 a5 \"input\" c4 00"
                + " a9 \"arguments\" 90 a7 \"options\" 90");
        assertThat(ProtocolCodec.decodeRequest(noTimeout).timeout()).isEqualTo(60);
        byte[] uint32 = Bytes.of("86 a8 \"language\" a1 \"a\" a4 \"code\" c4 00 a5 \"input\" c4 00"
                + " a9 \"arguments\" dc 00 00 a7 \"options\" dd 00 00 00 00 a7 \"timeout\" ce 00 00 00 3d");
        ExecuteRequest r = ProtocolCodec.decodeRequest(uint32);
        assertThat(r.timeout()).isEqualTo(61);
        assertThat(r.arguments()).isEmpty();
    }

    @Test
    void randomRequestsRoundTrip() {
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] code = new byte[rnd.nextInt(i % 7 == 0 ? 70 : 400)];
            rnd.nextBytes(code);
            List<byte[]> args = new java.util.ArrayList<>();
            for (int a = rnd.nextInt(4); a > 0; a--) {
                byte[] b = new byte[rnd.nextInt(40)];
                rnd.nextBytes(b);
                args.add(b);
            }
            ExecuteRequest.Builder b = ExecuteRequest.builder("lang" + i).code(code).input(code).arguments(args)
                    .options(args).timeout(rnd.nextInt(200) - 100);
            if (rnd.nextBoolean()) {
                b.customRunner(code);
            }
            ExecuteRequest r = b.build();
            byte[] wire = ProtocolCodec.encodeRequest(r);
            assertThat(ProtocolCodec.decodeRequest(wire)).isEqualTo(r);
            assertThat(ProtocolCodec.encodeRequest(ProtocolCodec.decodeRequest(wire))).isEqualTo(wire);
        }
    }

    @Test
    void doneKeepsOptionalOutOfAtosFields() {
        assertThat(DONE.oomKilled()).isEqualTo(Optional.empty());
        assertThat(DONE.withOomKilled(false).oomKilled()).contains(false);
        assertThat(DONE.cgroupMaxMem()).isEqualTo(Optional.empty());
        assertThat(hex(ProtocolCodec.encode(new ServerMessage.Finished(DONE)))).isEqualTo(hex(Bytes.of(DONE_WIRE)));
    }
}
