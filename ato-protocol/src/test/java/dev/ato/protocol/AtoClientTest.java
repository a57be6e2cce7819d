package dev.ato.protocol;

import static dev.ato.protocol.Bytes.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client against a real WebSocket and HTTP server (Helidon) that speaks ATO's protocol through this
 * module's codec.
 */
@Timeout(60)
class AtoClientTest {
    private static FakeAtoServer server;

    @BeforeAll
    static void start() {
        server = new FakeAtoServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void executeStreamsStdoutAndStderrToTheListenerThenCompletesWithDone() throws Exception {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            List<String> events = new ArrayList<>();
            RunListener listener = RunListener.of(b -> events.add("out:" + new String(b)),
                    b -> events.add("err:" + new String(b)));
            ExecuteRequest r = ExecuteRequest.builder("echo").code("hello").input("world").arguments("a", "b").build();
            Done done = client.execute(r, listener).get(20, TimeUnit.SECONDS);
            assertThat(events).containsExactly("out:hello", "err:world");
            assertThat(done).isEqualTo(FakeAtoServer.exited(2));
        }
    }

    @Test
    void manySequentialRunsReuseOneConnection() {
        int before = server.connections.get();
        try (AtoClient client = AtoClient.connect(URI.create("http://127.0.0.1:" + server.wsBase().getPort() + "/"))) {
            for (int i = 0; i < 50; i++) {
                Result result = client.run(ExecuteRequest.builder("echo").code("run " + i).input("in " + i).build());
                assertThat(result.stdoutText()).isEqualTo("run " + i);
                assertThat(result.stderrText()).isEqualTo("in " + i);
                assertThat(result.done().succeeded()).isTrue();
            }
        }
        assertThat(server.connections.get() - before).isEqualTo(1);
    }

    @Test
    void invalidRequestSurfacesCloseCodeAndReasonAndTheNextRunReconnects() {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            assertThatThrownBy(() -> client.run(ExecuteRequest.of("echo", "x").withTimeout(61)))
                    .isInstanceOfSatisfying(AtoClientException.ServerClosed.class, e -> {
                        assertThat(e.code()).isEqualTo(1008);
                        assertThat(e.reason()).isEqualTo("invalid request: timeout not in range 1-60: 61");
                    });
            assertThatThrownBy(() -> client.run(ExecuteRequest.of("cobol", "x")))
                    .isInstanceOfSatisfying(AtoClientException.ServerClosed.class, e -> {
                        assertThat(e.code()).isEqualTo(1008);
                        assertThat(e.reason()).isEqualTo("invalid request: no such language: cobol");
                    });
            assertThatThrownBy(() -> client.run(ExecuteRequest.of("echo", "x")
                    .withArguments(List.of(new byte[] {'a', 0}))))
                    .isInstanceOfSatisfying(AtoClientException.ServerClosed.class,
                            e -> assertThat(e.reason()).isEqualTo("invalid request: argument contains null byte"));
            assertThat(client.run(ExecuteRequest.of("echo", "again")).stdoutText()).isEqualTo("again");
        }
    }

    @Test
    void tryAgainLaterIsSurfacedAsCode1013() {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            assertThatThrownBy(() -> client.run(ExecuteRequest.of("busy", "")))
                    .isInstanceOfSatisfying(AtoClientException.ServerClosed.class, e -> {
                        assertThat(e.code()).isEqualTo(CloseCodes.TRY_AGAIN_LATER);
                        assertThat(e.reason()).isEqualTo("try again later");
                    });
        }
    }

    @Test
    void messagesSplitOverSeveralFramesAreAssembled() {
        byte[] code = new byte[20000];
        new java.util.Random(3).nextBytes(code);
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            Result r = client.run(ExecuteRequest.of("frag", code));
            assertThat(r.stdout()).isEqualTo(code);
        }
    }

    @Test
    void manyChunksArriveInOrder() {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            Result r = client.run(ExecuteRequest.of("chunks", "500"));
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                expected.append("chunk ").append(i).append('\n');
            }
            assertThat(r.stdoutText()).isEqualTo(expected.toString());
        }
    }

    @Test
    void aMessageAboveTheCapFailsTheRunInsteadOfGrowingTheBuffer() {
        try (AtoClient client = AtoClient.builder(server.wsBase()).maxMessageBytes(4096).connect()) {
            assertThatThrownBy(() -> client.run(ExecuteRequest.of("big", "")))
                    .isInstanceOf(AtoClientException.class).hasMessageContaining("larger than 4096 bytes");
            assertThat(client.run(ExecuteRequest.of("echo", "ok")).stdoutText()).isEqualTo("ok");
        }
    }

    @Test
    void aTextMessageFromTheServerFailsTheRun() {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            assertThatThrownBy(() -> client.run(ExecuteRequest.of("text", "")))
                    .isInstanceOf(AtoClientException.class).hasMessageContaining("text message");
        }
    }

    @Test
    void killStopsARunAndItsDoneArrives() throws Exception {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            CountDownLatch started = new CountDownLatch(1);
            CompletableFuture<Done> f = client.execute(ExecuteRequest.of("slow", ""),
                    RunListener.of(b -> started.countDown(), b -> { }));
            assertThat(started.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(f).isNotDone();
            client.kill();
            Done done = f.get(20, TimeUnit.SECONDS);
            assertThat(done.statusType()).isEqualTo(StatusType.KILLED);
            assertThat(done.statusValue()).isEqualTo(9);
            assertThat(client.run(ExecuteRequest.of("echo", "after")).stdoutText()).isEqualTo("after");
        }
    }

    @Test
    void aSecondRunWhileOneIsInProgressIsRefused() throws Exception {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            CompletableFuture<Done> f = client.execute(ExecuteRequest.of("slow", ""), RunListener.IGNORE);
            assertThatThrownBy(() -> client.execute(ExecuteRequest.of("echo", ""), RunListener.IGNORE))
                    .isInstanceOf(IllegalStateException.class);
            client.kill();
            assertThat(f.get(20, TimeUnit.SECONDS).statusType()).isEqualTo(StatusType.KILLED);
        }
    }

    @Test
    void noDoneWithinTheRequestTimeoutPlusGraceFailsTheRun() {
        try (AtoClient client = AtoClient.builder(server.wsBase()).replyGrace(Duration.ofSeconds(1)).connect()) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> client.run(ExecuteRequest.of("nodone", "").withTimeout(1)))
                    .isInstanceOf(AtoClientException.class).hasMessageContaining("no Done");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
            assertThat(client.run(ExecuteRequest.of("echo", "next")).stdoutText()).isEqualTo("next");
        }
    }

    @Test
    void aFailingListenerFailsTheRunWithItsException() {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            RunListener bad = RunListener.of(b -> {
                throw new IllegalStateException("listener broke");
            }, b -> { });
            assertThatThrownBy(() -> client.execute(ExecuteRequest.of("echo", "x"), bad).join())
                    .hasRootCauseMessage("listener broke");
            assertThat(client.run(ExecuteRequest.of("echo", "y")).stdoutText()).isEqualTo("y");
        }
    }

    @Test
    void concurrentClientsEachGetTheirOwnOutput() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int c = 0; c < 6; c++) {
                int id = c;
                jobs.add(pool.submit(() -> {
                    try (AtoClient client = AtoClient.connect(server.wsBase())) {
                        for (int i = 0; i < 20; i++) {
                            String text = "client " + id + " run " + i;
                            assertThat(client.run(ExecuteRequest.of("echo", text)).stdoutText()).isEqualTo(text);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> j : jobs) {
                j.get(50, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void connectingToNothingFailsWithAClearError() {
        assertThatThrownBy(() -> AtoClient.builder(URI.create("ws://127.0.0.1:1"))
                .connectTimeout(Duration.ofSeconds(3)).connect())
                .isInstanceOf(AtoClientException.class).hasMessageContaining("connecting to ws://127.0.0.1:1");
        assertThatThrownBy(() -> AtoClient.connect(URI.create("ftp://x")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void v0ExecuteReturnsTheWholeOutputAndStatus() {
        V0Response r = AtoClient.executeV0(server.httpBase(), ExecuteRequest.of("echo", "v0 out").withInput(utf8("e")));
        assertThat(r.stdout()).isEqualTo(utf8("v0 out"));
        assertThat(r.stderr()).isEqualTo(utf8("e"));
        assertThat(r.done()).isEqualTo(FakeAtoServer.exited(0));
        // a ws:// base works for v0 too
        assertThat(AtoClient.executeV0(server.wsBase(), ExecuteRequest.of("echo", "w")).stdout()).isEqualTo(utf8("w"));
    }

    @Test
    void v0ErrorsCarryTheHttpStatusAndBody() {
        assertThatThrownBy(() -> AtoClient.executeV0(server.httpBase(), ExecuteRequest.of("cobol", "")))
                .isInstanceOfSatisfying(AtoClientException.HttpStatus.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(new String(e.body())).isEqualTo("no such language: cobol");
                });
    }

    @Test
    void v0MetadataListsTheLanguages() {
        assertThat(AtoClient.metadataV0(server.httpBase()))
                .containsOnlyKeys("echo")
                .hasEntrySatisfying("echo", m -> assertThat(m).containsEntry("name", "Echo"));
    }

    @Test
    void baseUrisAreTurnedIntoTheApiEndpoints() {
        assertThat(AtoClient.wsUri(URI.create("https://ato.example/")))
                .hasToString("wss://ato.example/api/v1/ws/execute");
        assertThat(AtoClient.wsUri(URI.create("http://h:8500/prefix")))
                .hasToString("ws://h:8500/prefix/api/v1/ws/execute");
        assertThat(AtoClient.wsUri(URI.create("ws://h/api/v1/ws/execute"))).hasToString("ws://h/api/v1/ws/execute");
        assertThat(AtoClient.httpUri(URI.create("wss://h/api/v1/ws/execute"), AtoClient.V0_EXECUTE_PATH))
                .hasToString("https://h/api/v0/execute");
    }

    @Test
    void runGathersStdoutAndStderrSeparately() {
        try (AtoClient client = AtoClient.connect(server.wsBase())) {
            Result r = client.run(ExecuteRequest.builder("echo").code("O").input("E").build());
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.writeBytes(r.stdout());
            both.writeBytes(r.stderr());
            assertThat(both.toString()).isEqualTo("OE");
        }
    }
}
