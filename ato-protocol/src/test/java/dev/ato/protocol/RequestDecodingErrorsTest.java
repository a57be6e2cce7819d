package dev.ato.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a request can be malformed, each with the exact message ATO's server sends for it (serde's and
 * rmp-serde's words, after {@code invalid request: }).
 */
class RequestDecodingErrorsTest {

    /** A valid request map with one more entry: the field under test, written by each case. */
    private static byte[] withField(String fieldSpec) {
        return Bytes.of("86 a8 \"language\" a1 \"a\" a4 \"code\" c4 00 a5 \"input\" c4 00"
                + " a9 \"arguments\" 90 a7 \"options\" 90 " + fieldSpec);
    }

    static Stream<Arguments> invalidRequests() {
        return Stream.of(
                Arguments.of("timeout as a string", withField("a7 \"timeout\" a2 \"60\""),
                        "invalid type: string \"60\", expected i32"),
                Arguments.of("timeout as a float", withField("a7 \"timeout\" cb 40 4e 00 00 00 00 00 00"),
                        "invalid type: floating point `60`, expected i32"),
                Arguments.of("timeout as a float32", withField("a7 \"timeout\" ca 3f c0 00 00"),
                        "invalid type: floating point `1.5`, expected i32"),
                Arguments.of("timeout nil", withField("a7 \"timeout\" c0"),
                        "invalid type: unit value, expected i32"),
                Arguments.of("timeout in an array", withField("a7 \"timeout\" 91 3c"),
                        "invalid type: sequence, expected i32"),
                Arguments.of("timeout as a map", withField("a7 \"timeout\" 80"),
                        "invalid type: map, expected i32"),
                Arguments.of("timeout as a bool", withField("a7 \"timeout\" c3"),
                        "invalid type: boolean `true`, expected i32"),
                Arguments.of("timeout as a bin", withField("a7 \"timeout\" c4 01 3c"),
                        "invalid type: byte array, expected i32"),
                Arguments.of("timeout as an ext", withField("a7 \"timeout\" d4 01 3c"),
                        "invalid type: newtype struct, expected i32"),
                Arguments.of("timeout beyond i32", withField("a7 \"timeout\" cf 00 00 00 01 00 00 00 00"),
                        "invalid value: integer `4294967296`, expected i32"),
                Arguments.of("timeout beyond i64", withField("a7 \"timeout\" cf ff ff ff ff ff ff ff ff"),
                        "invalid value: integer `18446744073709551615`, expected i32"),
                Arguments.of("timeout a string with escapes", withField("a7 \"timeout\" a3 22 0a 5c"),
                        "invalid type: string \"\\\"\\n\\\\\", expected i32"),
                Arguments.of("timeout a string that is not UTF-8", withField("a7 \"timeout\" a1 ff"),
                        "string found to be invalid utf8: invalid utf-8 sequence of 1 bytes from index 0"),
                Arguments.of("duplicate field", withField("a8 \"language\" a1 \"b\""),
                        "duplicate field `language`"),
                Arguments.of("custom_runner as an int", withField("ad \"custom_runner\" 05"),
                        "invalid type: integer `5`, expected byte array"),
                Arguments.of("key nil", withField("c0 c0"),
                        "invalid type: unit value, expected field identifier"),
                Arguments.of("key a negative int", withField("ff c0"),
                        "invalid type: integer `-1`, expected field identifier"),
                Arguments.of("key a signed int", withField("d0 01 c0"),
                        "invalid type: integer `1`, expected field identifier"),
                Arguments.of("key an array", withField("90 c0"),
                        "invalid type: sequence, expected field identifier"),
                Arguments.of("reserved marker", withField("a1 \"z\" c1"),
                        "wrong msgpack marker Reserved"),
                Arguments.of("missing code", Bytes.of("81 a8 \"language\" a1 \"a\""),
                        "missing field `code`"),
                Arguments.of("missing input", Bytes.of("82 a8 \"language\" a1 \"a\" a4 \"code\" c4 00"),
                        "missing field `input`"),
                Arguments.of("missing language", Bytes.of("80"), "missing field `language`"),
                Arguments.of("language as an int", Bytes.of("81 a8 \"language\" 05"),
                        "invalid type: integer `5`, expected a string"),
                Arguments.of("language not UTF-8", Bytes.of("81 a8 \"language\" a2 c3 28"),
                        "string found to be invalid utf8: invalid utf-8 sequence of 1 bytes from index 0"),
                Arguments.of("language cut in a sequence", Bytes.of("81 a8 \"language\" a2 61 e2"),
                        "string found to be invalid utf8: incomplete utf-8 byte sequence from index 1"),
                Arguments.of("language a bin not UTF-8", Bytes.of("81 a8 \"language\" c4 01 ff"),
                        "invalid value: byte array, expected a string"),
                Arguments.of("code as an int", Bytes.of("81 a4 \"code\" 01"),
                        "invalid type: integer `1`, expected byte array"),
                Arguments.of("code as a map", Bytes.of("81 a4 \"code\" 80"),
                        "invalid type: map, expected byte array"),
                Arguments.of("code byte above 255", Bytes.of("81 a4 \"code\" 92 01 cd 01 00"),
                        "invalid value: integer `256`, expected u8"),
                Arguments.of("code byte negative", Bytes.of("81 a4 \"code\" 91 ff"),
                        "invalid value: integer `-1`, expected u8"),
                Arguments.of("code byte a string", Bytes.of("81 a4 \"code\" 91 a1 \"a\""),
                        "invalid type: string \"a\", expected u8"),
                Arguments.of("arguments as a string", Bytes.of("81 a9 \"arguments\" a1 \"x\""),
                        "invalid type: string \"x\", expected a sequence"),
                Arguments.of("arguments as a bin", Bytes.of("81 a9 \"arguments\" c4 01 \"x\""),
                        "invalid type: byte array, expected a sequence"),
                Arguments.of("an argument nil", Bytes.of("81 a9 \"arguments\" 91 c0"),
                        "invalid type: unit value, expected byte array"),
                Arguments.of("top level a string", Bytes.of("a2 \"hi\""),
                        "invalid type: string \"hi\", expected struct Request"),
                Arguments.of("top level an int", Bytes.of("2a"),
                        "invalid type: integer `42`, expected struct Request"),
                Arguments.of("array form too short", Bytes.of("91 a1 \"a\""),
                        "invalid length 1, expected struct Request with 7 elements"),
                Arguments.of("array form too long",
                        Bytes.of("98 a1 \"a\" c4 00 c0 c4 00 90 90 3c c0"),
                        "array had incorrect length, expected 7"),
                Arguments.of("empty message", new byte[0],
                        "IO error while reading marker: failed to fill whole buffer"),
                Arguments.of("map with fewer entries than it claims", Bytes.of("82 a8 \"language\" a1 \"a\""),
                        "IO error while reading marker: failed to fill whole buffer"),
                Arguments.of("cut inside a string", Bytes.of("81 a8 \"language\" a5 \"ab\""),
                        "IO error while reading data: unexpected end of file"),
                Arguments.of("cut inside a length", Bytes.of("81 a8 \"language\" da 00"),
                        "IO error while reading data: failed to fill whole buffer"),
                Arguments.of("cut inside a number", Bytes.of("81 a7 \"timeout\" cd 00"),
                        "IO error while reading data: failed to fill whole buffer"),
                Arguments.of("a str32 claiming 4 GiB", Bytes.of("81 a8 \"language\" db ff ff ff ff 61"),
                        "IO error while reading data: unexpected end of file"),
                Arguments.of("a bin32 claiming 4 GiB", Bytes.of("81 a4 \"code\" c6 ff ff ff ff 61"),
                        "IO error while reading data: unexpected end of file"),
                Arguments.of("an array32 claiming 4G elements", Bytes.of("81 a4 \"code\" dd ff ff ff ff 61"),
                        "IO error while reading marker: failed to fill whole buffer"),
                Arguments.of("an array32 claiming 4G elements, one bad", Bytes.of("81 a4 \"code\" dd ff ff ff ff 61 c0"),
                        "invalid type: unit value, expected u8"),
                Arguments.of("a map32 claiming 4G entries", Bytes.of("df ff ff ff ff a1 \"x\" c0"),
                        "IO error while reading marker: failed to fill whole buffer"),
                Arguments.of("an ext32 claiming 4 GiB", Bytes.of("81 a1 \"x\" c9 ff ff ff ff 01 00"),
                        "IO error while reading data: unexpected end of file"),
                Arguments.of("bytes after the request", withField("a7 \"timeout\" 3c c0"), "found extra data"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidRequests")
    void malformedRequestIsRefusedWithAtosMessage(String name, byte[] wire, String message) {
        assertThatThrownBy(() -> ProtocolCodec.decodeRequest(wire))
                .isInstanceOf(ProtocolException.class)
                .hasMessage(message)
                .satisfies(e -> assertThat(((ProtocolException) e).closeCode()).isEqualTo(1008))
                .satisfies(e -> assertThat(((ProtocolException) e).closeReason())
                        .isEqualTo(CloseCodes.truncateReason("invalid request: " + message)));
    }

    @Test
    void requestLargerThan64KiBIsRefusedWithCloseCode1009() {
        byte[] big = new byte[ProtocolLimits.MAX_REQUEST_BYTES + 1];
        assertThatThrownBy(() -> ProtocolCodec.decodeRequest(big))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("received message of size 65537, greater than size limit 65536")
                .satisfies(e -> assertThat(((ProtocolException) e).closeCode()).isEqualTo(1009));
    }

    @Test
    void requestOfExactly64KiBIsDecoded() {
        byte[] head = Bytes.of("86 a8 \"language\" a1 \"a\" a4 \"code\" c6 00 00 00 00");
        byte[] tail = Bytes.of("a5 \"input\" c4 00 a9 \"arguments\" 90 a7 \"options\" 90 a7 \"timeout\" 3c");
        int codeLen = ProtocolLimits.MAX_REQUEST_BYTES - head.length - tail.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head);
        out.writeBytes(new byte[codeLen]);
        out.writeBytes(tail);
        byte[] wire = out.toByteArray();
        wire[head.length - 2] = (byte) (codeLen >> 8);
        wire[head.length - 1] = (byte) codeLen;
        assertThat(wire).hasSize(65536);
        assertThat(ProtocolCodec.decodeRequest(wire).code()).hasSize(codeLen);
    }

    /** Unknown keys may hold anything, nested as deeply as rmp-serde's limit of 1024 allows. */
    @Test
    void nestingIsLimitedAsInRmpSerde() {
        assertThat(ProtocolCodec.decodeRequest(nested(1022)).language()).isEqualTo("a");
        assertThatThrownBy(() -> ProtocolCodec.decodeRequest(nested(1023)))
                .isInstanceOf(ProtocolException.class).hasMessage("depth limit exceeded");
        assertThatThrownBy(() -> ProtocolCodec.decodeRequest(nested(60000)))
                .isInstanceOf(ProtocolException.class).hasMessage("depth limit exceeded");
    }

    private static byte[] nested(int depth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(withField("a1 \"z\""));
        for (int i = 0; i < depth; i++) {
            out.write(0x91);
        }
        out.write(0xc0);
        return out.toByteArray();
    }

    @Test
    void controlMessagesOtherThanKillAreNamed() {
        assertThatThrownBy(() -> ProtocolCodec.checkKill(Bytes.of("a4 \"Stop\"")))
                .hasMessage("unknown variant `Stop`, expected `Kill`");
        assertThatThrownBy(() -> ProtocolCodec.checkKill(Bytes.of("05")))
                .hasMessage("invalid value: integer `5`, expected variant index 0 <= i < 1");
        assertThatThrownBy(() -> ProtocolCodec.checkKill(Bytes.of("81 a4 \"Kill\" 90")))
                .hasMessage("wrong msgpack marker FixArray(0)");
        assertThatThrownBy(() -> ProtocolCodec.checkKill(Bytes.of("a4 \"Kill\" 00")))
                .hasMessage("found extra data");
    }

    @Test
    void serverMessagesThatAreNotAtosAreRefused() {
        assertThatThrownBy(() -> ProtocolCodec.decodeServerMessage(Bytes.of("81 a4 \"Nope\" c0")))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("unknown variant `Nope`, expected one of `Stdout`, `Stderr`, `Done`");
        assertThatThrownBy(() -> ProtocolCodec.decodeServerMessage(Bytes.of("81 a4 \"Done\" 81 a9 \"timed_out\" c2")))
                .isInstanceOf(ProtocolException.class).hasMessage("missing field `stdout_truncated`");
        assertThatThrownBy(() -> ProtocolCodec.decodeServerMessage(Bytes.of("81 a6 \"Stdout\" c4 00 c0")))
                .isInstanceOf(ProtocolException.class).hasMessage("found extra data");
        assertThatThrownBy(() -> ProtocolCodec.decodeServerMessage(Bytes.of("a4 \"Kill\"")))
                .isInstanceOf(ProtocolException.class);
    }
}
