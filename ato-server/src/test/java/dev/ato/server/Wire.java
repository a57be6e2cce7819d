package dev.ato.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * Test-side wire helpers, written against ATO's documented format with msgpack-core directly (not with the
 * server's codec, so that the tests check the bytes, not the codec against itself).
 */
final class Wire {
    private Wire() { }

    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A message received: {@code kind} is Stdout, Stderr or Done; {@code value} bytes or a field map. */
    record Msg(String kind, Object value, long nanos, byte[] raw) {
        byte[] bytes() {
            return (byte[]) value;
        }

        String text() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> done() {
            return (Map<String, Object>) value;
        }
    }

    /** The server answered a ping. */
    record Pong(String payload) { }

    /** The server closed the connection. */
    record Closed(int code, String reason) { }

    /** Builds a request map with any value types, for the typing cases. */
    static final class Req {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        static Req of(String language, String code) {
            Req r = new Req();
            r.fields.put("language", language);
            r.fields.put("code", code.getBytes(StandardCharsets.UTF_8));
            r.fields.put("input", new byte[0]);
            r.fields.put("arguments", List.of());
            r.fields.put("options", List.of());
            return r;
        }

        Req put(String k, Object v) {
            fields.put(k, v);
            return this;
        }

        Req remove(String k) {
            fields.remove(k);
            return this;
        }

        byte[] bytes() {
            return pack(fields);
        }
    }

    static byte[] pack(Object o) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            write(p, o);
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Strings pack as str, byte[] as bin, Lists as arrays, Maps as maps, Numbers as ints. */
    private static void write(MessageBufferPacker p, Object o) throws IOException {
        if (o == null) {
            p.packNil();
        } else if (o instanceof String s) {
            p.packString(s);
        } else if (o instanceof byte[] b) {
            p.packBinaryHeader(b.length).writePayload(b);
        } else if (o instanceof Boolean b) {
            p.packBoolean(b);
        } else if (o instanceof Number n) {
            p.packLong(n.longValue());
        } else if (o instanceof List<?> l) {
            p.packArrayHeader(l.size());
            for (Object e : l) write(p, e);
        } else if (o instanceof Map<?, ?> m) {
            p.packMapHeader(m.size());
            for (Map.Entry<?, ?> e : m.entrySet()) {
                write(p, e.getKey());
                write(p, e.getValue());
            }
        } else {
            throw new IllegalArgumentException("cannot pack " + o.getClass());
        }
    }

    static Object unpack(byte[] data) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(data)) {
            Object o = read(u);
            if (u.hasNext()) throw new IllegalStateException("trailing bytes after the message");
            return o;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object read(MessageUnpacker u) throws IOException {
        return switch (u.getNextFormat().getValueType()) {
            case NIL -> {
                u.unpackNil();
                yield null;
            }
            case BOOLEAN -> u.unpackBoolean();
            case INTEGER -> u.unpackLong();
            case FLOAT -> u.unpackDouble();
            case STRING -> u.unpackString();
            case BINARY -> u.readPayload(u.unpackBinaryHeader());
            case ARRAY -> {
                int n = u.unpackArrayHeader();
                List<Object> l = new ArrayList<>();
                for (int i = 0; i < n; i++) l.add(read(u));
                yield l;
            }
            case MAP -> {
                int n = u.unpackMapHeader();
                Map<String, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < n; i++) m.put(String.valueOf(read(u)), read(u));
                yield m;
            }
            case EXTENSION -> throw new IllegalStateException("unexpected extension");
        };
    }

    /** A v1 WebSocket client that queues what it receives. */
    static final class Ws implements AutoCloseable {
        final WebSocket socket;
        final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>();

        Ws(URI server) {
            this(server, Map.of());
        }

        Ws(URI server, Map<String, String> headers) {
            this(server, headers, "");
        }

        /** With a query, e.g. {@code ?extensions=1}. */
        Ws(URI server, Map<String, String> headers, String query) {
            WebSocket.Builder b = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
            headers.forEach(b::header);
            socket = b.buildAsync(URI.create("ws://127.0.0.1:" + server.getPort() + "/api/v1/ws/execute" + query),
                    new Listener()).join();
        }

        /** A client that asked for Done's extensions. */
        static Ws withExtensions(URI server) {
            return new Ws(server, Map.of(), "?extensions=1");
        }

        Ws send(byte[] message) {
            socket.sendBinary(ByteBuffer.wrap(message), true).join();
            return this;
        }

        Ws send(Req r) {
            return send(r.bytes());
        }

        Ws sendFragments(byte[] message, int fragment) {
            for (int off = 0; off < message.length; off += fragment) {
                int n = Math.min(fragment, message.length - off);
                socket.sendBinary(ByteBuffer.wrap(message, off, n), off + n >= message.length).join();
            }
            return this;
        }

        Ws kill() {
            return send(pack("Kill"));
        }

        Object next(Duration timeout) throws InterruptedException {
            Object o = inbox.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (o == null) throw new AssertionError("nothing from the server within " + timeout);
            return o;
        }

        /** Everything up to and including Done (fails on a close). */
        List<Msg> untilDone(Duration timeout) throws InterruptedException {
            List<Msg> got = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Object o = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (o instanceof Closed c) throw new AssertionError("closed " + c + " after " + got);
                Msg m = (Msg) o;
                got.add(m);
                if (m.kind().equals("Done")) return got;
            }
        }

        Closed closed(Duration timeout) throws InterruptedException {
            while (true) {
                Object o = next(timeout);
                if (o instanceof Closed c) return c;
            }
        }

        /** Drops the TCP connection without a close frame. */
        void abort() {
            socket.abort();
        }

        @Override
        public void close() {
            try {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(2, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                socket.abort();
            }
        }

        private final class Listener implements WebSocket.Listener {
            private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                partial.writeBytes(b);
                if (last) {
                    byte[] raw = partial.toByteArray();
                    Object o = unpack(raw);
                    partial.reset();
                    @SuppressWarnings("unchecked")
                    Map<String, Object> m = (Map<String, Object>) o;
                    Map.Entry<String, Object> e = m.entrySet().iterator().next();
                    inbox.add(new Msg(e.getKey(), e.getValue(), System.nanoTime(), raw));
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                inbox.add(new Closed(-2, "unexpected text message: " + data));
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
                byte[] b = new byte[message.remaining()];
                message.get(b);
                inbox.add(new Pong(new String(b, StandardCharsets.UTF_8)));
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

    static String stdout(List<Msg> msgs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Msg m : msgs) if (m.kind().equals("Stdout")) b.writeBytes(m.bytes());
        return b.toString(StandardCharsets.UTF_8);
    }

    static String stderr(List<Msg> msgs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (Msg m : msgs) if (m.kind().equals("Stderr")) b.writeBytes(m.bytes());
        return b.toString(StandardCharsets.UTF_8);
    }

    static Map<String, Object> done(List<Msg> msgs) {
        return msgs.get(msgs.size() - 1).done();
    }
}
