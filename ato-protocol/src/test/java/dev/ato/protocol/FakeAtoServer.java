package dev.ato.protocol;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.websocket.WsRouting;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small ATO look-alike on Helidon's WebSocket server, speaking through this module's codec: it decodes and
 * validates requests as ATO does, closes with ATO's codes and reasons, and "runs" a few pretend languages whose
 * behaviour the client tests need (echo, fragmented replies, waiting for Kill, oversized and missing replies).
 */
final class FakeAtoServer implements AutoCloseable {
    static final Set<String> LANGUAGES = Set.of("echo", "frag", "slow", "busy", "big", "chunks", "nodone", "text");

    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    private final WebServer server;

    FakeAtoServer() {
        server = WebServer.builder()
                .port(0)
                .host("127.0.0.1")
                // Each reply is several small messages; with Nagle's algorithm the later ones wait for the
                // client's delayed ACK (~40 ms a run). ATO's clients expect them at once.
                .connectionOptions(o -> o.tcpNoDelay(true))
                .addRouting(WsRouting.builder().endpoint(AtoClient.WS_PATH, Session::new))
                .routing(r -> r
                        .post(AtoClient.V0_EXECUTE_PATH, (req, res) -> {
                            byte[] body = req.content().as(byte[].class);
                            try {
                                ExecuteRequest er = ProtocolCodec.decodeRequest(body);
                                RequestValidator.validate(er, LANGUAGES::contains);
                                res.header("Content-Type", AtoClient.MSGPACK_CONTENT_TYPE)
                                        .send(ProtocolCodec.encodeV0Response(exited(0), er.code(), er.input()));
                            } catch (ProtocolException e) {
                                res.status(Status.BAD_REQUEST_400).send(e.getMessage());
                            }
                        })
                        .get(AtoClient.V0_METADATA_PATH, (req, res) -> {
                            Map<String, Map<String, String>> m = new LinkedHashMap<>();
                            m.put("echo", Map.of("name", "Echo", "image", "host"));
                            res.send(ProtocolCodec.encodeMetadata(m));
                        }))
                .build()
                .start();
    }

    URI wsBase() {
        return URI.create("ws://127.0.0.1:" + server.port());
    }

    URI httpBase() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    static Done exited(int code) {
        return Done.builder(StatusType.EXITED, code).real(1_000_000).kernel(1000).user(2000).maxMem(3000).waits(1)
                .preemptions(2).minorPageFaults(10).build();
    }

    static Done killed() {
        return Done.builder(StatusType.KILLED, 9).real(5_000_000).kernel(1000).user(2000).maxMem(3000).waits(1)
                .preemptions(2).minorPageFaults(10).build();
    }

    @Override
    public void close() {
        server.stop();
    }

    /** One WebSocket connection: assembles fragments, then handles a request or, during a run, a control message. */
    private final class Session implements WsListener {
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private volatile boolean running;

        @Override
        public void onOpen(WsSession session) {
            connections.incrementAndGet();
        }

        @Override
        public void onMessage(WsSession session, String text, boolean last) {
            session.close(CloseCodes.UNSUPPORTED_DATA, "expected a binary message");
        }

        @Override
        public void onMessage(WsSession session, BufferData buffer, boolean last) {
            partial.writeBytes(buffer.readBytes());
            if (!last) {
                return;
            }
            byte[] message = partial.toByteArray();
            partial.reset();
            try {
                if (running) {
                    ProtocolCodec.checkKill(message);
                    running = false;
                    session.send(data(new ServerMessage.Finished(killed())), true);
                    return;
                }
                ExecuteRequest r = ProtocolCodec.decodeRequest(message);
                RequestValidator.validate(r, LANGUAGES::contains);
                requests.incrementAndGet();
                run(session, r);
            } catch (ProtocolException e) {
                session.close(e.closeCode(), e.closeReason());
            }
        }

        private void run(WsSession session, ExecuteRequest r) {
            byte[] code = r.code();
            switch (r.language()) {
                case "echo" -> {
                    session.send(data(new ServerMessage.Stdout(code)), true);
                    session.send(data(new ServerMessage.Stderr(r.input())), true);
                    session.send(data(new ServerMessage.Finished(exited(r.arguments().size()))), true);
                }
                case "frag" -> {
                    byte[] m = ProtocolCodec.encode(new ServerMessage.Stdout(code));
                    int a = m.length / 3;
                    int b = 2 * m.length / 3;
                    session.send(BufferData.create(Arrays.copyOfRange(m, 0, a)), false);
                    session.send(BufferData.create(Arrays.copyOfRange(m, a, b)), false);
                    session.send(BufferData.create(Arrays.copyOfRange(m, b, m.length)), true);
                    session.send(data(new ServerMessage.Finished(exited(0))), true);
                }
                case "chunks" -> {
                    int n = Integer.parseInt(new String(code, StandardCharsets.UTF_8));
                    for (int i = 0; i < n; i++) {
                        session.send(data(new ServerMessage.Stdout(("chunk " + i + "\n")
                                .getBytes(StandardCharsets.UTF_8))), true);
                    }
                    session.send(data(new ServerMessage.Finished(exited(0))), true);
                }
                case "slow" -> {
                    running = true;
                    session.send(data(new ServerMessage.Stdout("started".getBytes(StandardCharsets.UTF_8))), true);
                }
                case "busy" -> session.close(CloseCodes.TRY_AGAIN_LATER, "try again later");
                case "big" -> session.send(data(new ServerMessage.Stdout(new byte[8000])), true);
                case "text" -> session.send("hello", true);
                case "nodone" -> {
                    // says nothing: the client's deadline must end the run
                }
                default -> throw new IllegalStateException(r.language());
            }
        }

        private BufferData data(ServerMessage m) {
            return BufferData.create(ProtocolCodec.encode(m));
        }
    }
}
