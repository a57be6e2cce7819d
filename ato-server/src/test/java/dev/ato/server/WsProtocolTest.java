package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.server.Wire.Closed;
import dev.ato.server.Wire.Msg;
import dev.ato.server.Wire.Req;
import dev.ato.server.Wire.Ws;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ATO's v1 WebSocket API, statement by statement, against a real server on a free port. */
@Tag("kernel")
class WsProtocolTest {
    private static final Duration T = Duration.ofSeconds(20);
    @RegisterExtension
    static final TestServers.PerClass SERVER = TestServers.perClass();

    private static Ws ws() {
        return new Ws(SERVER.get().uri());
    }

    @Test
    void helloWorldStreamsStdoutThenDone() throws Exception {
        try (Ws ws = ws()) {
            List<Msg> msgs = ws.send(Req.of("bash", "echo 'Hello, World!'; echo oops >&2; exit 3")).untilDone(T);
            assertThat(Wire.stdout(msgs)).isEqualTo("Hello, World!\n");
            assertThat(Wire.stderr(msgs)).isEqualTo("oops\n");
            Map<String, Object> done = Wire.done(msgs);
            assertThat(done).containsEntry("status_type", "exited").containsEntry("status_value", 3L)
                    .containsEntry("timed_out", false).containsEntry("stdout_truncated", false)
                    .containsEntry("stderr_truncated", false);
            assertThat(done).containsKeys("real", "kernel", "user", "max_mem", "waits", "preemptions",
                    "major_page_faults", "minor_page_faults", "input_ops", "output_ops");
            assertThat((Long) done.get("real")).isPositive();
        }
    }

    @Test
    void inputArgumentsAndOptionsReachTheProgram() throws Exception {
        try (Ws ws = ws()) {
            Req r = Req.of("bash", "printf '%s|' \"$@\"; cat")
                    .put("input", "from stdin".getBytes(StandardCharsets.UTF_8))
                    .put("arguments", List.of("a b".getBytes(StandardCharsets.UTF_8), "c".getBytes(StandardCharsets.UTF_8)));
            List<Msg> msgs = ws.send(r).untilDone(T);
            assertThat(Wire.stdout(msgs)).isEqualTo("a b|c|from stdin");
        }
    }

    @Test
    void connectionIsReusedForRunAfterRun() throws Exception {
        try (Ws ws = ws()) {
            for (int i = 0; i < 5; i++) {
                List<Msg> msgs = ws.send(Req.of("bash", "echo run " + i)).untilDone(T);
                assertThat(Wire.stdout(msgs)).isEqualTo("run " + i + "\n");
            }
        }
    }

    @Test
    void requestSentWhileARunGoesIsIgnored() throws Exception {
        try (Ws ws = ws()) {
            ws.send(Req.of("bash", "sleep 0.5; echo first"));
            ws.send(Req.of("bash", "echo second"));
            List<Msg> msgs = ws.untilDone(T);
            assertThat(Wire.stdout(msgs)).isEqualTo("first\n");
            // Nothing of the ignored request follows; the connection still serves the next one.
            assertThat(ws.inbox.poll(500, java.util.concurrent.TimeUnit.MILLISECONDS)).isNull();
            assertThat(Wire.stdout(ws.send(Req.of("bash", "echo third")).untilDone(T))).isEqualTo("third\n");
        }
    }

    @Test
    void killEndsTheRunAtOnce() throws Exception {
        try (Ws ws = ws()) {
            ws.send(Req.of("bash", "echo started; sleep 30"));
            Msg first = (Msg) ws.next(T);
            assertThat(first.text()).isEqualTo("started\n");
            long t0 = System.nanoTime();
            ws.kill();
            List<Msg> rest = ws.untilDone(T);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
            assertThat(Wire.done(rest)).containsEntry("status_type", "killed").containsEntry("timed_out", false);
            assertThat(Wire.stdout(ws.send(Req.of("bash", "echo after")).untilDone(T))).isEqualTo("after\n");
        }
    }

    @Test
    void clientThatGoesAwayHasItsRunKilledWithinASecond() throws Exception {
        String marker = "31.4159" + (System.nanoTime() % 1000);
        Ws ws = ws();
        ws.send(Req.of("bash", "echo up; sleep " + marker));
        assertThat(((Msg) ws.next(T)).text()).isEqualTo("up\n");
        // "up" can arrive before bash has started sleep: wait for the process to exist.
        long seen = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (processesWith(marker) == 0 && System.nanoTime() < seen) Thread.sleep(10);
        assertThat(processesWith(marker)).isPositive();
        ws.abort();
        long t0 = System.nanoTime();
        long deadline = t0 + Duration.ofMillis(Long.getLong("ato.test.disconnectWaitMs", 1500)).toNanos();
        while (processesWith(marker) > 0 && System.nanoTime() < deadline) Thread.sleep(50);
        System.err.println("disconnect: processes gone after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(processesWith(marker)).as("processes of the abandoned run").isZero();
    }

    private static long processesWith(String marker) throws Exception {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ').contains("sleep " + marker);
                } catch (Exception e) {
                    return false;
                }
            }).count();
        }
    }

    @Test
    void outputArrivesAsTheProgramWritesIt() throws Exception {
        try (Ws ws = ws()) {
            List<Msg> msgs = ws.send(Req.of("bash", "echo one; sleep 1; echo two; sleep 1; echo three")).untilDone(T);
            List<Msg> outs = msgs.stream().filter(m -> m.kind().equals("Stdout")).toList();
            assertThat(outs).extracting(Msg::text).containsExactly("one\n", "two\n", "three\n");
            long gap1 = outs.get(1).nanos() - outs.get(0).nanos();
            long gap2 = outs.get(2).nanos() - outs.get(1).nanos();
            assertThat(Duration.ofNanos(gap1)).isBetween(Duration.ofMillis(700), Duration.ofMillis(1600));
            assertThat(Duration.ofNanos(gap2)).isBetween(Duration.ofMillis(700), Duration.ofMillis(1600));
        }
    }

    @Test
    void outputPastTheLimitIsCutAndFlagged() throws Exception {
        try (Ws ws = ws()) {
            List<Msg> msgs = ws.send(Req.of("bash", "head -c 300000 /dev/zero | tr '\\0' x; echo err >&2")).untilDone(T);
            assertThat(Wire.stdout(msgs).length()).isGreaterThan(128 * 1024).isLessThanOrEqualTo(144 * 1024);
            assertThat(Wire.stdout(msgs)).matches("x+");
            assertThat(Wire.done(msgs)).containsEntry("stdout_truncated", true).containsEntry("stderr_truncated", false);
            assertThat(Wire.stderr(msgs)).isEqualTo("err\n");
        }
    }

    @Test
    void aFloodGivesNineWhole16KiBChunksThenTruncatedAsAtoSends() throws Exception {
        try (Ws ws = ws()) {
            for (String name : List.of("Stdout", "Stderr")) {
                String redirect = name.equals("Stderr") ? " >&2" : "";
                List<Msg> msgs = ws.send(Req.of("zsh", "(dd if=/dev/zero bs=16384000 count=1 2>&-)" + redirect))
                        .untilDone(T);
                assertThat(msgs).hasSize(10);
                for (Msg m : msgs.subList(0, 9)) {
                    assertThat(m.kind()).as(name).isEqualTo(name);
                    assertThat(m.bytes()).as(name).isEqualTo(new byte[16384]);
                }
                assertThat(Wire.done(msgs)).containsEntry(name.toLowerCase(java.util.Locale.ROOT) + "_truncated", true);
            }
        }
    }

    @Test
    void maxMemIsAtosFigureAndTheCgroupPeakComesBesideWhenAskedFor() throws Exception {
        try (Ws ws = Ws.withExtensions(SERVER.get().uri())) {
            Map<String, Object> done = Wire.done(ws.send(Req.of("zsh", "")).untilDone(T));
            long maxMem = (Long) done.get("max_mem");
            long cgroup = (Long) done.get("cgroup_max_mem");
            assertThat(maxMem).isBetween(1001L, 99_999L); // ATO's test_basic_execution bounds, KiB
            assertThat(cgroup).isPositive().isLessThanOrEqualTo(maxMem);
            assertThat(List.copyOf(done.keySet()).subList(15, done.size())).containsExactly("oom_killed", "cgroup_max_mem");
        }
    }

    @Test
    void withoutAskingAClientGetsAtosFieldsAndNoOther() throws Exception {
        try (Ws ws = ws()) {
            Map<String, Object> done = Wire.done(ws.send(Req.of("zsh", "")).untilDone(T));
            assertThat(done.keySet()).containsExactly("timed_out", "stdout_truncated", "stderr_truncated",
                    "status_type", "status_value", "real", "kernel", "user", "max_mem", "waits", "preemptions",
                    "major_page_faults", "minor_page_faults", "input_ops", "output_ops");
            assertThat((Long) done.get("max_mem")).isGreaterThan(1000L);
        }
    }

    @Test
    void timeoutKillsTheRunAndSaysSo() throws Exception {
        try (Ws ws = ws()) {
            long t0 = System.nanoTime();
            List<Msg> msgs = ws.send(Req.of("bash", "echo a; sleep 20").put("timeout", 1)).untilDone(T);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
            assertThat(Wire.done(msgs)).containsEntry("timed_out", true).containsEntry("status_type", "killed");
            assertThat(Wire.stdout(msgs)).isEqualTo("a\n");
        }
    }

    @Test
    void pingIsAnsweredAndTheConnectionStaysUsable() throws Exception {
        try (Ws ws = ws()) {
            ws.socket.sendPing(java.nio.ByteBuffer.wrap("are you there".getBytes(StandardCharsets.UTF_8))).join();
            assertThat(ws.next(T)).isEqualTo(new Wire.Pong("are you there"));
            assertThat(Wire.stdout(ws.send(Req.of("bash", "echo yes")).untilDone(T))).isEqualTo("yes\n");
        }
    }

    @Test
    void textFrameIsRefusedWith1003() throws Exception {
        try (Ws ws = ws()) {
            ws.socket.sendText("{\"language\": \"bash\"}", true).join();
            assertThat(ws.closed(T)).isEqualTo(new Closed(1003, "expected a binary message"));
        }
    }

    @Test
    void garbageIsRefusedWith1008() throws Exception {
        try (Ws ws = ws()) {
            ws.send(new byte[] {(byte) 0xc1, 1, 2});
            Closed c = ws.closed(T);
            assertThat(c.code()).isEqualTo(1008);
            assertThat(c.reason()).startsWith("invalid request: ");
        }
    }

    @Test
    void unknownLanguageIsRefusedWith1008() throws Exception {
        assertRefused(Req.of("no_such_language", "x").bytes());
    }

    @Test
    void timeoutOutOfRangeIsRefusedWith1008() throws Exception {
        assertRefused(Req.of("bash", "true").put("timeout", 0).bytes());
        assertRefused(Req.of("bash", "true").put("timeout", 61).bytes());
    }

    @Test
    void nullByteInAnArgumentIsRefusedWith1008() throws Exception {
        assertRefused(Req.of("bash", "true").put("arguments", List.of(new byte[] {'a', 0, 'b'})).bytes());
    }

    @Test
    void extraDataAfterTheRequestIsRefusedWith1008() throws Exception {
        byte[] r = Req.of("bash", "true").bytes();
        byte[] withExtra = java.util.Arrays.copyOf(r, r.length + 1);
        withExtra[r.length] = (byte) 0xc0;
        assertRefused(withExtra);
    }

    @Test
    void wrongTypeIsRefusedWith1008() throws Exception {
        assertRefused(Req.of("bash", "true").put("arguments", "not a list").bytes());
        assertRefused(Req.of("bash", "true").put("timeout", "ten").bytes());
    }

    private static void assertRefused(byte[] message) throws Exception {
        try (Ws ws = ws()) {
            ws.send(message);
            Closed c = ws.closed(T);
            assertThat(c.code()).as("close code, reason %s", c.reason()).isEqualTo(1008);
            assertThat(c.reason()).startsWith("invalid request: ").hasSizeGreaterThan("invalid request: ".length());
        }
    }

    @Test
    void strInsteadOfBinIntArraysAndMissingOptionalKeysAreAccepted() throws Exception {
        try (Ws ws = ws()) {
            // code as str, input as an array of ints, arguments as strs, options as an array of int arrays;
            // timeout and custom_runner (the optional keys) missing.
            Req r = Req.of("bash", "").put("code", "cat; printf '%s' \"$1\"")
                    .put("input", List.of(104, 105, 10)).put("arguments", List.of("arg"))
                    .put("options", List.of(List.of(45, 101))).remove("timeout");
            assertThat(Wire.stdout(ws.send(r).untilDone(T))).isEqualTo("hi\narg");
        }
    }

    @Test
    void missingRequiredKeyIsRefusedWithItsName() throws Exception {
        try (Ws ws = ws()) {
            ws.send(Req.of("bash", "true").remove("options"));
            assertThat(ws.closed(T)).isEqualTo(new Closed(1008, "invalid request: missing field `options`"));
        }
    }

    @Test
    void messageOverTheLimitIsRefusedWith1009() throws Exception {
        try (Ws ws = ws()) {
            ws.send(new byte[70000]);
            assertThat(ws.closed(T)).isEqualTo(new Closed(1009, "received message of size 70000, greater than size limit 65536"));
        }
    }

    @Test
    void messageOverTheLimitInManyFramesIsRefusedWith1009() throws Exception {
        try (Ws ws = ws()) {
            // The limit is per message, not per frame: four 20000-byte frames pass it on the fourth.
            ws.sendFragments(new byte[80000], 20000);
            assertThat(ws.closed(T)).isEqualTo(new Closed(1009, "received message of size 80000, greater than size limit 65536"));
        }
    }

    @Test
    void frameOverTheFrameCapIsRefusedWith1009BeforeItIsRead() throws Exception {
        // Only the frame's header is sent: the server must refuse on the announced length, without the payload.
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", SERVER.get().port())) {
            sock.setSoTimeout(10_000);
            var out = sock.getOutputStream();
            out.write(("GET /api/v1/ws/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            long len = AtoServer.MAX_FRAME_BYTES + 1L;
            byte[] header = {(byte) 0x82, (byte) 0xff, 0, 0, 0, 0, (byte) (len >>> 24), (byte) (len >>> 16),
                    (byte) (len >>> 8), (byte) len, 1, 2, 3, 4};
            out.write(header);
            out.flush();
            var in = new java.io.DataInputStream(sock.getInputStream());
            String response = "";
            while (!response.endsWith("\r\n\r\n")) response += (char) in.readUnsignedByte();
            assertThat(response).startsWith("HTTP/1.1 101");
            assertThat(in.readUnsignedByte()).isEqualTo(0x88);
            int n = in.readUnsignedByte();
            assertThat(n).isGreaterThanOrEqualTo(2);
            assertThat(in.readUnsignedShort()).isEqualTo(1009);
        }
    }

    @Test
    void requestInManyFramesIsAssembled() throws Exception {
        try (Ws ws = ws()) {
            byte[] r = Req.of("bash", "echo assembled # " + "x".repeat(5000)).bytes();
            assertThat(Wire.stdout(ws.sendFragments(r, 1000).untilDone(T))).isEqualTo("assembled\n");
        }
    }

    @Test
    void customRunnerReplacesTheLanguageRunner() throws Exception {
        try (Ws ws = ws()) {
            Req r = Req.of("bash", "ignored").put("custom_runner", "echo custom; cat /ATO/code\n".getBytes(StandardCharsets.UTF_8));
            assertThat(Wire.stdout(ws.send(r).untilDone(T))).isEqualTo("custom\nignored");
        }
    }
}
