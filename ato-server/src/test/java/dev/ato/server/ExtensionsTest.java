package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.AtoClientException;
import dev.ato.protocol.Done;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ProtocolCodec;
import dev.ato.protocol.Quota;
import dev.ato.protocol.Result;
import dev.ato.protocol.RunListener;
import dev.ato.protocol.ServerMessage;
import dev.ato.protocol.StatusType;
import dev.ato.protocol.TestCase;
import dev.ato.server.Wire.Msg;
import dev.ato.server.Wire.Req;
import dev.ato.server.Wire.Ws;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The request extensions beyond ATO (issue 15) end to end through the Java client and raw wire bytes: interactive
 * runs (Stdin, Eof, Kill, back-pressure), test-case batches, output_limit, want_quota, {@code POST /api/v1/execute}
 * (one answer in JSON or msgpack, Server-Sent Events) and the RateLimit headers; and that a request without them
 * gets exactly ATO's messages.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@Tag("kernel")
class ExtensionsTest {
    private static final Duration T = Duration.ofSeconds(30);
    /** ATO's Done fields in ATO's order (the server's own extras, oom_killed and cgroup_max_mem, need ?extensions=1). */
    private static final List<String> ATO_DONE_KEYS = List.of("timed_out", "stdout_truncated", "stderr_truncated",
            "status_type", "status_value", "real", "kernel", "user", "max_mem", "waits", "preemptions",
            "major_page_faults", "minor_page_faults", "input_ops", "output_ops");

    @RegisterExtension
    static final TestServers.PerClass SERVER = TestServers.perClass();

    private static URI base() {
        return SERVER.get().uri();
    }

    /** Output gathered as it streams, so a test can wait for the program's answer to what it sent. */
    static final class Gathered implements RunListener {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        @Override
        public synchronized void onStdout(byte[] chunk) {
            out.writeBytes(chunk);
            notifyAll();
        }

        synchronized String text() {
            return out.toString(StandardCharsets.UTF_8);
        }

        synchronized void await(String expected) throws InterruptedException {
            long until = System.nanoTime() + T.toNanos();
            while (!text().contains(expected)) {
                long left = until - System.nanoTime();
                assertThat(left).as("waiting for %s in %s", expected, text()).isPositive();
                wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    // ---------------------------------------------------------------- interactive

    @Test
    void anInteractiveRunReadsWhatIsTypedWhileItRunsAndEndsAtEof() throws Exception {
        try (AtoClient client = AtoClient.connect(base())) {
            Gathered out = new Gathered();
            CompletableFuture<Done> done = client.execute(ExecuteRequest.builder("bash")
                    .code("while read -r l; do echo \"got $l\"; done; echo end").input("first\n").interactive(true)
                    .build(), out);
            out.await("got first\n");
            client.sendStdin("second\n".getBytes(StandardCharsets.UTF_8)).join();
            out.await("got second\n");
            assertThat(out.text()).doesNotContain("end");
            client.sendEof().join();
            Done d = done.get(30, TimeUnit.SECONDS);
            assertThat(out.text()).isEqualTo("got first\ngot second\nend\n");
            assertThat(d.succeeded()).isTrue();
            // The connection serves the next (ordinary) run.
            assertThat(client.run(ExecuteRequest.of("bash", "echo next")).stdoutText()).isEqualTo("next\n");
        }
    }

    @Test
    void killEndsAnInteractiveRun() throws Exception {
        try (AtoClient client = AtoClient.connect(base())) {
            Gathered out = new Gathered();
            CompletableFuture<Done> done = client.execute(ExecuteRequest.builder("bash")
                    .code("echo ready; read -r x; echo never").interactive(true).build(), out);
            out.await("ready");
            client.kill();
            Done d = done.get(30, TimeUnit.SECONDS);
            assertThat(d.statusType()).isEqualTo(StatusType.KILLED);
            assertThat(out.text()).isEqualTo("ready\n");
        }
    }

    @Test
    void aProgramThatDoesNotReadStallsTheClientsSends() throws Exception {
        // 200 messages of 60 KiB (12 MB) to a program that never reads: the pipe takes 64 KiB, the server holds at
        // most one message more, and then stops reading the connection, so the client's sends stall (after the
        // socket buffers fill) until the run's 4 s timeout ends it. The connection stays usable afterwards.
        try (Ws ws = new Ws(base())) {
            ws.send(Req.of("bash", "echo ready; sleep 30").put("interactive", true).put("timeout", 4));
            byte[] message = ProtocolCodec.encodeStdin(new byte[60 * 1024]);
            AtomicLong sent = new AtomicLong();
            long start = System.nanoTime();
            Thread sender = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 200; i++) {
                    ws.socket.sendBinary(java.nio.ByteBuffer.wrap(message), true).join();
                    sent.incrementAndGet();
                }
            });
            Thread.sleep(2500);
            long sentByThen = sent.get();
            assertThat(sentByThen).as("messages sent while the program did not read").isLessThan(200);
            List<Msg> msgs = ws.untilDone(T);
            Map<String, Object> done = Wire.done(msgs);
            assertThat(done).containsEntry("timed_out", true);
            assertThat(Wire.stdout(msgs)).isEqualTo("ready\n");
            sender.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(sent.get()).as("the rest went through once the run had ended").isEqualTo(200);
            assertThat((System.nanoTime() - start) / 1e9).isGreaterThan(3.5);
            // The late Stdin messages were dropped, not taken for requests: the connection still works.
            List<Msg> next = ws.send(Req.of("bash", "echo after")).untilDone(T);
            assertThat(Wire.stdout(next)).isEqualTo("after\n");
        }
    }

    @Test
    void badControlMessagesDuringAnInteractiveRunClose1008() throws Exception {
        try (Ws ws = new Ws(base())) {
            ws.send(Req.of("bash", "sleep 10").put("interactive", true));
            ws.send(Wire.pack(Map.of("Stdin", 5L)));
            Wire.Closed c = ws.closed(T);
            assertThat(c.code()).isEqualTo(1008);
            assertThat(c.reason()).startsWith("invalid request: `Stdin`").contains("expected byte array");
        }
    }

    // ---------------------------------------------------------------- cases

    @Test
    void eachCaseRunsInItsOwnContainerAndEndsWithADoneNamingIt() {
        try (AtoClient client = AtoClient.connect(base())) {
            List<Result> results = client.runCases(ExecuteRequest.builder("bash")
                    .code("read -r x; echo \"$x $1\"; ls /tmp; touch /tmp/left-by-a-case; exit $2")
                    .cases(List.of(TestCase.of("one\n", "a", "0"), TestCase.of("two\n", "b", "3"),
                            TestCase.of("three\n", "c", "0")))
                    .build());
            assertThat(results).hasSize(3);
            assertThat(results.stream().map(Result::stdoutText)).containsExactly("one a\n", "two b\n", "three c\n");
            for (int i = 0; i < 3; i++) assertThat(results.get(i).done().caseIndex()).hasValue(i);
            assertThat(results.get(1).done().statusValue()).isEqualTo(3);
        }
    }

    @Test
    void aCaseWithoutInputOrArgumentsTakesTheRequestsAndKillEndsTheBatch() throws Exception {
        try (Ws ws = new Ws(base())) {
            ws.send(Req.of("bash", "echo \"$(cat) $*\"; sleep 20")
                    .put("input", "shared".getBytes(StandardCharsets.UTF_8))
                    .put("arguments", List.of("x".getBytes(StandardCharsets.UTF_8)))
                    .put("cases", List.of(Map.of(), Map.of(), Map.of())));
            Msg first = (Msg) ws.next(T);
            assertThat(first.text()).isEqualTo("shared x\n");
            ws.kill();
            List<Msg> dones = new ArrayList<>();
            while (dones.size() < 3) {
                Msg m = (Msg) ws.next(T);
                if (m.kind().equals("Done")) dones.add(m);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(dones.get(i).done()).containsEntry("case", (long) i).containsEntry("status_type", "killed");
            }
        }
    }

    // ---------------------------------------------------------------- output_limit, want_quota

    @Test
    void outputLimitCapsEachStream() {
        try (AtoClient client = AtoClient.connect(base())) {
            Result r = client.run(ExecuteRequest.builder("bash").code("head -c 5000 /dev/zero; head -c 10 /dev/zero >&2")
                    .outputLimit(1000).build());
            assertThat(r.stdout()).hasSize(1000);
            assertThat(r.done().stdoutTruncated()).isTrue();
            assertThat(r.stderr()).hasSize(10);
            assertThat(r.done().stderrTruncated()).isFalse();
        }
    }

    @Test
    void wantQuotaAddsTheClientsAdmissionStateToDone() {
        try (AtoClient client = AtoClient.connect(base())) {
            Done d = client.run(ExecuteRequest.builder("bash").code("true").wantQuota(true).build()).done();
            assertThat(d.quota()).contains(new Quota(SERVER.get().config().maxRunsPerClient(),
                    SERVER.get().config().maxRunsPerClient()));
        }
    }

    @Test
    void badValuesOfTheNewFieldsCloseWith1008AndAClearReason() throws Exception {
        Map<Req, String> cases = new java.util.LinkedHashMap<>();
        cases.put(Req.of("bash", "true").put("output_limit", 0L), "invalid request: output_limit not in range 1-131072: 0");
        cases.put(Req.of("bash", "true").put("output_limit", 131073L), "invalid request: output_limit not in range 1-131072: 131073");
        cases.put(Req.of("bash", "true").put("interactive", 1L), "invalid request: `interactive`: invalid type: integer `1`, expected a boolean");
        cases.put(Req.of("bash", "true").put("want_quota", "yes"), "invalid request: `want_quota`: invalid type: string \"yes\", expected a boolean");
        cases.put(Req.of("bash", "true").put("cases", Collections.nCopies(33, Map.of())), "invalid request: `cases`: at most 32 cases, got 33");
        cases.put(Req.of("bash", "true").put("cases", List.of(Map.of("arguments", List.of(new byte[] {'a', 0})))),
                "invalid request: case 0: argument contains null byte");
        cases.put(Req.of("bash", "true").put("cases", List.of(Map.of())).put("interactive", true),
                "invalid request: interactive and cases cannot be combined");
        for (Map.Entry<Req, String> c : cases.entrySet()) {
            try (Ws ws = new Ws(base())) {
                ws.send(c.getKey());
                Wire.Closed closed = ws.closed(T);
                assertThat(closed.code()).isEqualTo(1008);
                assertThat(closed.reason()).isEqualTo(c.getValue());
            }
        }
    }

    // ---------------------------------------------------------------- ATO's bytes unchanged

    @Test
    void aRequestWithoutTheNewFieldsGetsExactlyAtosMessages() throws Exception {
        try (Ws ws = new Ws(base())) {
            List<Msg> msgs = ws.send(Req.of("bash", "echo out; echo err >&2")).untilDone(T);
            assertThat(msgs).extracting(Msg::kind).containsExactly("Stdout", "Stderr", "Done");
            assertThat(msgs.get(0).raw()).isEqualTo(ProtocolCodec.encode(new ServerMessage.Stdout("out\n".getBytes())));
            assertThat(msgs.get(1).raw()).isEqualTo(ProtocolCodec.encode(new ServerMessage.Stderr("err\n".getBytes())));
            Msg done = msgs.get(2);
            assertThat(done.done().keySet()).containsExactlyElementsOf(ATO_DONE_KEYS);
            // Re-encoding the decoded record (extras included) gives the same bytes: nothing else was sent.
            Done decoded = ((ServerMessage.Finished) ProtocolCodec.decodeServerMessage(done.raw())).done();
            assertThat(decoded.caseIndex()).isEmpty();
            assertThat(decoded.quota()).isEmpty();
            assertThat(ProtocolCodec.encode(new ServerMessage.Finished(decoded))).isEqualTo(done.raw());
        }
        // Explicit "off" values of the new fields change nothing either.
        try (Ws ws = new Ws(base())) {
            List<Msg> msgs = ws.send(Req.of("bash", "echo out").put("interactive", false).put("want_quota", false))
                    .untilDone(T);
            assertThat(Wire.done(msgs).keySet()).containsExactlyElementsOf(ATO_DONE_KEYS);
        }
        // The client encodes a plain request exactly as before (the golden tests pin those bytes).
        assertThat(ProtocolCodec.decodeRequest(ProtocolCodec.encodeRequest(ExecuteRequest.of("bash", "x"))).atoOnly())
                .isTrue();
    }

    // ---------------------------------------------------------------- HTTP

    @Test
    void v1ExecuteAnswersOnceInMsgpackAndJson() throws Exception {
        List<Result> one = AtoClient.executeV1(base(), ExecuteRequest.builder("bash").code("echo hi; cat")
                .input("in").build());
        assertThat(one).hasSize(1);
        assertThat(one.getFirst().stdoutText()).isEqualTo("hi\nin");
        List<Result> batch = AtoClient.executeV1(base(), ExecuteRequest.builder("bash").code("echo $1")
                .cases(List.of(TestCase.of("", "a"), TestCase.of("", "b"))).build());
        assertThat(batch.stream().map(Result::stdoutText)).containsExactly("a\n", "b\n");

        String json = "{\"language\": \"bash\", \"code\": \"echo \\\"$1\\\"; cat\", \"input\": \"typed\", "
                + "\"arguments\": [\"arg\"], \"options\": [], \"want_quota\": true}";
        HttpResponse<String> r = Wire.HTTP.send(HttpRequest.newBuilder(base().resolve("/api/v1/execute"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        // stdout is base64 of "arg\ntyped".
        assertThat(r.body()).contains("\"stdout\":\"YXJnCnR5cGVk\"", "\"status_type\":\"exited\"", "\"quota\":{\"limit\":");
        assertThat(r.headers().firstValue("RateLimit-Limit")).isPresent();
        assertThat(r.headers().firstValue("RateLimit-Remaining")).isPresent();

        HttpResponse<String> bad = Wire.HTTP.send(HttpRequest.newBuilder(base().resolve("/api/v1/execute"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"language\": \"bash\", \"code\": \"\", \"input\": \"\", "
                        + "\"arguments\": [], \"options\": [], \"timeout\": 61}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).isEqualTo("{\"error\":\"timeout not in range 1-60: 61\"}");
        assertThat(bad.headers().firstValue("RateLimit-Limit")).isPresent();
    }

    @Test
    void v1ExecuteStreamsServerSentEventsAsTheProgramWrites() {
        List<Long> stdoutAt = new ArrayList<>();
        List<Done> dones = AtoClient.streamV1(base(), ExecuteRequest.builder("bash")
                .code("echo \"early $1\"; sleep 1; echo late").cases(List.of(TestCase.of("", "0"), TestCase.of("", "1")))
                .build(), new RunListener() {
                    @Override
                    public void onStdout(byte[] chunk) {
                        stdoutAt.add(System.nanoTime());
                    }

                    @Override
                    public void onDone(Done done) {
                        stdoutAt.add(-System.nanoTime());
                    }
                });
        assertThat(dones).hasSize(2);
        assertThat(dones.get(1).caseIndex()).hasValue(1);
        // The first chunk came a second before the first Done: streamed, not gathered.
        long firstChunk = stdoutAt.get(0);
        long firstDone = -stdoutAt.stream().filter(t -> t < 0).findFirst().orElseThrow();
        assertThat((firstDone - firstChunk) / 1e6).isGreaterThan(700);
    }

    @Test
    void v0AnswersCarryTheRateLimitHeadersAndItsBodyIsUnchanged() throws Exception {
        HttpResponse<byte[]> r = Wire.HTTP.send(HttpRequest.newBuilder(base().resolve("/api/v0/execute"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(Req.of("bash", "echo v0").bytes())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        int cap = SERVER.get().config().maxRunsPerClient();
        assertThat(r.headers().firstValue("RateLimit-Limit")).hasValue(Integer.toString(cap));
        assertThat(r.headers().firstValue("RateLimit-Remaining")).hasValue(Integer.toString(cap));
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) Wire.unpack(r.body());
        List<String> keys = new ArrayList<>(List.of("stdout", "stderr"));
        keys.addAll(ATO_DONE_KEYS);
        assertThat(body.keySet()).containsExactlyElementsOf(keys);
        assertThatThrownBy(() -> AtoClient.executeV0(base(), ExecuteRequest.builder("bash").code("true")
                .cases(List.of(TestCase.of(""))).build()))
                .isInstanceOf(AtoClientException.HttpStatus.class);
    }
}
