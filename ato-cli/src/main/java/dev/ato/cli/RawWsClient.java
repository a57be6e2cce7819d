package dev.ato.cli;

import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ProtocolCodec;
import dev.ato.protocol.ProtocolLimits;
import dev.ato.protocol.ServerMessage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * A blocking RFC 6455 client over a plain socket, for the benchmark: one thread, no executor hops, so the
 * latency measured is the server's and the sandbox's, not a client library's scheduling.
 */
final class RawWsClient implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawWsClient(URI server) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(server.getHost(), server.getPort()), 10_000);
        socket.setSoTimeout(60_000);
        in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
        out = socket.getOutputStream();
        byte[] key = new byte[16];
        RANDOM.nextBytes(key);
        String handshake = "GET /api/v1/ws/execute HTTP/1.1\r\nHost: " + server.getHost() + ":" + server.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        out.write(handshake.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = readLine();
        if (!status.startsWith("HTTP/1.1 101")) throw new IOException("WebSocket upgrade refused: " + status);
        while (!readLine().isEmpty()) {
            // headers: nothing needed from them
        }
    }

    private String readLine() throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) throw new IOException("connection closed during the handshake");
            if (c != '\r') b.append((char) c);
            if (b.length() > 8192) throw new IOException("handshake line too long");
        }
        return b.toString();
    }

    /** Sends one request as one masked binary frame. */
    void send(ExecuteRequest request) throws IOException {
        byte[] payload = ProtocolCodec.encodeRequest(request);
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write(0x82);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xff);
        } else {
            f.write(0x80 | 127);
            for (int i = 56; i >= 0; i -= 8) f.write((int) ((long) payload.length >>> i) & 0xff);
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        f.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) f.write(payload[i] ^ mask[i & 3]);
        out.write(f.toByteArray());
        out.flush();
    }

    /** The next whole server message (pings answered, fragments joined); a close frame is an error. */
    ServerMessage next() throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) len = in.readUnsignedShort();
            else if (len == 127) len = in.readLong();
            if (len < 0 || message.size() + len > ProtocolLimits.MAX_SERVER_MESSAGE_BYTES) {
                throw new IOException("server frame too large: " + len);
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            int opcode = b0 & 0x0f;
            switch (opcode) {
                case 0x8 -> {
                    int code = payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
                    String reason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                    throw new IOException("server closed the connection: " + code + " " + reason);
                }
                case 0x9 -> pong(payload);
                case 0xA -> { }
                default -> {
                    message.writeBytes(payload);
                    if ((b0 & 0x80) != 0) return ProtocolCodec.decodeServerMessage(message.toByteArray());
                }
            }
        }
    }

    private void pong(byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(0x8A);
        f.write(0x80 | payload.length);
        byte[] mask = new byte[4];
        f.writeBytes(mask);
        f.writeBytes(payload);
        out.write(f.toByteArray());
        out.flush();
    }

    /** Sends the request and reads until its Done. */
    ServerMessage.Finished runToDone(ExecuteRequest request) throws IOException {
        send(request);
        while (true) {
            if (next() instanceof ServerMessage.Finished f) return f;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            out.write(new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xe8});
            out.flush();
        } catch (IOException ignored) {
            // the server went first
        } finally {
            socket.close();
        }
    }
}
