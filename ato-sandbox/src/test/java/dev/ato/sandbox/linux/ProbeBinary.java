package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** src/test/c/probe.c, built static with gcc once per test JVM: what tests run inside a container. */
final class ProbeBinary {
    private static byte[] bytes;

    private ProbeBinary() { }

    static synchronized byte[] get() throws Exception {
        if (bytes != null) return bytes;
        Path bin = Files.createTempFile("ato-probe", "");
        try {
            Process gcc = new ProcessBuilder("gcc", "-static", "-O2", "-pthread", "-o", bin.toString(), "src/test/c/probe.c")
                    .redirectErrorStream(true).start();
            String out = new String(gcc.getInputStream().readAllBytes());
            assertThat(gcc.waitFor()).as("gcc probe.c: " + out).isZero();
            bytes = Files.readAllBytes(bin);
            return bytes;
        } finally {
            Files.deleteIfExists(bin);
        }
    }
}
