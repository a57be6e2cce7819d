package dev.ato.server;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The receiving end of systemd's notify protocol, as systemd makes it: an AF_UNIX datagram socket bound to a path
 * (handed to the server as {@code NOTIFY_SOCKET}). JNA, because the JDK has no Unix datagram channel.
 */
final class NotifySocket implements AutoCloseable {
    private interface LibC extends Library {
        LibC I = Native.load("c", LibC.class);

        int socket(int domain, int type, int protocol);

        int bind(int fd, byte[] addr, int len);

        int setsockopt(int fd, int level, int name, byte[] value, int len);

        long recv(int fd, byte[] buf, long len, int flags);

        int close(int fd);
    }

    private final int fd;
    final Path path;

    NotifySocket(Path path) {
        this.path = path;
        fd = LibC.I.socket(1, 2 | 0x80000, 0);
        if (fd < 0) throw new IllegalStateException("socket: errno " + Native.getLastError());
        byte[] addr = new byte[110];
        addr[0] = 1;
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        System.arraycopy(p, 0, addr, 2, p.length);
        if (LibC.I.bind(fd, addr, 2 + p.length + 1) != 0) {
            throw new IllegalStateException("bind " + path + ": errno " + Native.getLastError());
        }
    }

    /** The next datagram, or null after {@code seconds} without one. */
    String receive(int seconds) {
        byte[] tv = new byte[16];
        tv[0] = (byte) seconds; // struct timeval, little-endian tv_sec
        LibC.I.setsockopt(fd, 1, 20, tv, 16); // SOL_SOCKET, SO_RCVTIMEO
        byte[] buf = new byte[4096];
        long n = LibC.I.recv(fd, buf, buf.length, 0);
        return n < 0 ? null : new String(buf, 0, (int) n, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        LibC.I.close(fd);
        Files.deleteIfExists(path);
    }
}
