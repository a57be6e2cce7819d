package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The init's report read field by field, against bytes laid out as init.c's struct report lays them out. */
class InitReportTest {
    /** struct report's fields in init.c's order, as this test lays them out. */
    private static final List<String> FIELDS = List.of("magic", "wait_status", "utime_us", "stime_us", "maxrss_kib",
            "minflt", "majflt", "inblock", "oublock", "nvcsw", "nivcsw", "reserved[5]");

    /** Little-endian int64 values one byte at a time, as x86_64 stores them, padded with zeros to 128 bytes. */
    private static byte[] layOut(long... values) {
        byte[] b = new byte[128];
        for (int i = 0; i < values.length; i++) {
            for (int k = 0; k < 8; k++) b[8 * i + k] = (byte) (values[i] >>> (8 * k));
        }
        return b;
    }

    @Test
    void theStructInInitCHasTheFieldsThisTestLaysOut() throws Exception {
        String c = Files.readString(Path.of("src/main/c/init.c"));
        Matcher struct = Pattern.compile("struct report \\{(.*?)\\};", Pattern.DOTALL).matcher(c);
        assertThat(struct.find()).as("struct report in init.c").isTrue();
        List<String> names = new ArrayList<>();
        for (String decl : struct.group(1).replaceAll("/\\*.*?\\*/", "").split(";")) {
            String d = decl.strip();
            if (d.isEmpty()) continue;
            assertThat(d).as("every field of struct report is an int64_t").startsWith("int64_t ");
            for (String name : d.substring("int64_t ".length()).split(",")) names.add(name.strip());
        }
        assertThat(names).containsExactlyElementsOf(FIELDS);
        assertThat(8 * (FIELDS.size() - 1 + 5)).isEqualTo(InitReport.BYTES);
    }

    @Test
    void aReportBuiltByteByByteReadsBackFieldByField() {
        long waitStatus = 3 << 8; // exited with 3
        byte[] bytes = layOut(InitReport.MAGIC, waitStatus, 1_234_567L, 89_000L, 51_200L, 7_000L, 3L, 16L, 24L,
                1_000_000_000_001L, -1L);
        bytes[100] = 0x5a; // the reserved values are not read

        InitReport r = InitReport.parse(bytes, 128).orElseThrow();

        assertThat(r).isEqualTo(new InitReport(waitStatus, 1_234_567L, 89_000L, 51_200L, 7_000L, 3L, 16L, 24L,
                1_000_000_000_001L, -1L));
        assertThat(r.termSignal()).isZero();
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.coreDumped()).isFalse();
    }

    @Test
    void theWaitStatusOfASignalAndOfACoreDump() {
        InitReport killed = InitReport.parse(layOut(InitReport.MAGIC, 9), 128).orElseThrow();
        assertThat(killed.termSignal()).isEqualTo(9);
        assertThat(killed.coreDumped()).isFalse();

        InitReport dumped = InitReport.parse(layOut(InitReport.MAGIC, 0x80 | 11), 128).orElseThrow();
        assertThat(dumped.termSignal()).isEqualTo(11);
        assertThat(dumped.coreDumped()).isTrue();
    }

    @Test
    void aShortReportOrAnotherMagicIsNoReport() {
        byte[] good = layOut(InitReport.MAGIC, 0, 1, 2, 3);
        assertThat(InitReport.parse(good, 127)).isEmpty();
        assertThat(InitReport.parse(new byte[127], 127)).isEmpty();
        byte[] bad = good.clone();
        bad[7] ^= 1; // the magic's last byte
        assertThat(InitReport.parse(bad, 128)).isEmpty();
        assertThat(InitReport.parse(good, 128)).isPresent();
    }
}
