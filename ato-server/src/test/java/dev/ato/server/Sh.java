package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command for a test: its status and output (stdout and stderr together), without the caller's ATO_* variables. */
final class Sh {
    private Sh() { }

    /** What a command did. */
    record Result(int status, String output) { }

    /** Runs {@code argv} with {@code env} added (at most 5 minutes). */
    static Result run(Map<String, String> env, String... argv) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("ATO_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("%s ends", List.of(argv)).isTrue();
        return new Result(p.exitValue(), out);
    }

    /** Runs {@code argv}, fails unless it exits 0; its output. */
    static String ok(String... argv) throws Exception {
        Result r = run(Map.of(), argv);
        assertThat(r.status()).as("%s: %s", List.of(argv), r.output()).isZero();
        return r.output();
    }
}
