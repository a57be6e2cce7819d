package dev.ato.server.cli;

import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ProtocolCodec;
import dev.ato.protocol.ServerMessage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A minimal v1 WebSocket client for the benchmark: one request at a time, messages queued as they arrive.
 */
final class WsConnection implements AutoCloseable {
    /** A close the server sent. */
    record Closed(int code, String reason) { }

    private final WebSocket socket;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();

    private WsConnection(HttpClient http, URI uri) {
        this.socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, new Listener()).join();
    }

    static WsConnection open(HttpClient http, URI serverUri) {
        return new WsConnection(http, serverUri.resolve("/api/v1/ws/execute").toString().startsWith("http")
                ? URI.create(serverUri.resolve("/api/v1/ws/execute").toString().replaceFirst("^http", "ws"))
                : serverUri.resolve("/api/v1/ws/execute"));
    }

    void send(ExecuteRequest request) {
        socket.sendBinary(ByteBuffer.wrap(ProtocolCodec.encodeRequest(request)), true).join();
    }

    /** The next message or close, or a timeout. */
    Object next(Duration timeout) throws InterruptedException, TimeoutException {
        Object o = inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (o == null) throw new TimeoutException("no message from the server within " + timeout);
        return o;
    }

    /** Sends the request and waits for Done; returns it, or throws naming what came instead. */
    ServerMessage.Finished runToDone(ExecuteRequest request, Duration timeout) throws InterruptedException, TimeoutException {
        send(request);
        while (true) {
            Object o = next(timeout);
            if (o instanceof ServerMessage.Finished f) return f;
            if (o instanceof Closed c) throw new IllegalStateException("server closed: " + c.code + " " + c.reason);
        }
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(2, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }

    private final class Listener implements WebSocket.Listener {
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                inbox.add(ProtocolCodec.decodeServerMessage(partial.toByteArray()));
                partial.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            inbox.add(new Closed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            inbox.add(new Closed(-1, String.valueOf(error)));
        }
    }
}
