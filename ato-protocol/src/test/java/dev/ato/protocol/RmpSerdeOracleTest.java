package dev.ato.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Compares this decoder with the real one: the expected outcomes in {@code rmp-oracle/*.tsv} were produced by
 * decoding each input with rmp-serde 1.1.1, serde and serde_bytes (the crates and versions ATO's server uses) in
 * {@code src/test/rust/rmp-oracle}. Thousands of hand-made, mutated and random inputs: every accepted request
 * must decode to the same fields, every refused one must be refused with the same message.
 */
class RmpSerdeOracleTest {
    private static final HexFormat HEX = HexFormat.of();

    private static List<String[]> load(String name) throws IOException {
        List<String[]> rows = new ArrayList<>();
        try (InputStream in = RmpSerdeOracleTest.class.getResourceAsStream("/rmp-oracle/" + name);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                int tab = line.indexOf('\t');
                rows.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
            }
        }
        return rows;
    }

    private static String describe(byte[] input) {
        try {
            ExecuteRequest r = ProtocolCodec.decodeRequest(input);
            List<String> args = r.arguments().stream().map(HEX::formatHex).toList();
            List<String> opts = r.options().stream().map(HEX::formatHex).toList();
            Optional<byte[]> runner = r.customRunner();
            return "OK " + HEX.formatHex(r.language().getBytes(StandardCharsets.UTF_8)) + " "
                    + HEX.formatHex(r.code()) + " " + runner.map(HEX::formatHex).orElse("-") + " "
                    + HEX.formatHex(r.input()) + " [" + String.join(",", args) + "] [" + String.join(",", opts)
                    + "] " + r.timeout();
        } catch (ProtocolException e) {
            return "ERR " + e.getMessage().replace("\n", "\\n");
        }
    }

    @Test
    void requestsDecodeExactlyAsRmpSerdeDecodesThem() throws IOException {
        List<String[]> rows = load("requests.tsv");
        assertThat(rows).hasSizeGreaterThan(3000);
        List<String> mismatches = new ArrayList<>();
        for (String[] row : rows) {
            String actual = describe(HEX.parseHex(row[0]));
            if (!actual.equals(row[1])) {
                mismatches.add(row[0] + "\n    rmp-serde: " + row[1] + "\n    ours:      " + actual);
            }
        }
        assertThat(mismatches).as("inputs decoded differently from rmp-serde").isEmpty();
    }

    @Test
    void repliesAreTheBytesRmpSerdeWrites() throws IOException {
        List<String> expected;
        try (InputStream in = RmpSerdeOracleTest.class.getResourceAsStream("/rmp-oracle/replies.txt")) {
            expected = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        List<String> ours = List.of(
                HEX.formatHex(ProtocolCodec.encode(new ServerMessage.Stdout("hi\n".getBytes(StandardCharsets.UTF_8)))),
                HEX.formatHex(ProtocolCodec.encode(new ServerMessage.Finished(Done.builder(StatusType.EXITED, 0)
                        .stderrTruncated(true).real(100_000_000L).kernel(1000).user(200).maxMem(4096).waits(5)
                        .preemptions(127).majorPageFaults(128).minorPageFaults(1L << 32).outputOps(8).build()))),
                HEX.formatHex(ProtocolCodec.encode(new ServerMessage.Finished(Done.builder(StatusType.UNKNOWN, -1)
                        .timedOut(true).real(-33).kernel(-200).user(-40000).maxMem(-3_000_000_000L).build()))));
        assertThat(ours).isEqualTo(expected);
    }

    @Test
    void controlMessagesAreJudgedExactlyAsRmpSerdeJudgesThem() throws IOException {
        List<String> mismatches = new ArrayList<>();
        for (String[] row : load("kill.tsv")) {
            byte[] input = HEX.parseHex(row[0]);
            String actual;
            try {
                ProtocolCodec.checkKill(input);
                actual = "OK";
            } catch (ProtocolException e) {
                actual = "ERR " + e.getMessage();
            }
            if (!actual.equals(row[1])) {
                mismatches.add(row[0] + "\n    rmp-serde: " + row[1] + "\n    ours:      " + actual);
            }
            assertThat(ProtocolCodec.isKill(input)).isEqualTo(row[1].equals("OK"));
        }
        assertThat(mismatches).as("control messages judged differently from rmp-serde").isEmpty();
    }
}
