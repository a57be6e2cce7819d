package dev.ato.server.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One reading of the kernel's TCP socket tables of this process's network namespace ({@code /proc/self/net/tcp}
 * and {@code tcp6}, see proc(5)): the state and inode of each connection, looked up by its two endpoints.
 *
 * <p>It answers what Java's socket API cannot without reading from the socket: whether the peer has closed its
 * side. A server socket whose peer sent FIN sits in {@code CLOSE_WAIT}; one reset by the peer leaves the table.
 */
public final class TcpTable {
    /** {@code TCP_ESTABLISHED} in include/net/tcp_states.h. */
    public static final int ESTABLISHED = 0x01;
    /** {@code TCP_CLOSE_WAIT}: the peer sent FIN, this side has not closed yet. */
    public static final int CLOSE_WAIT = 0x08;

    private static final Path[] TABLES = {Path.of("/proc/self/net/tcp"), Path.of("/proc/self/net/tcp6")};

    /** One socket of the table. */
    public record Socket(InetSocketAddress local, InetSocketAddress remote, int state, long inode) { }

    private record Key(InetSocketAddress local, InetSocketAddress remote) { }

    private final Map<Key, Socket> sockets;

    private TcpTable(Map<Key, Socket> sockets) {
        this.sockets = sockets;
    }

    /**
     * Reads both tables now. A table that cannot be read (no IPv6, no procfs) counts as empty.
     */
    public static TcpTable read() {
        Map<Key, Socket> m = new HashMap<>();
        for (Path table : TABLES) {
            List<String> lines;
            try {
                lines = Files.readAllLines(table);
            } catch (IOException e) {
                continue;
            }
            for (int i = 1; i < lines.size(); i++) {
                Socket s = parse(lines.get(i));
                if (s != null) m.put(new Key(s.local, s.remote), s);
            }
        }
        return new TcpTable(m);
    }

    /** The connection between these endpoints, as this host sees it (IPv4-mapped IPv6 addresses count as IPv4). */
    public Optional<Socket> find(InetSocketAddress local, InetSocketAddress remote) {
        return Optional.ofNullable(sockets.get(new Key(normal(local), normal(remote))));
    }

    private static InetSocketAddress normal(InetSocketAddress a) {
        try {
            // getByAddress turns ::ffff:a.b.c.d into an Inet4Address, as the table's tcp6 lines need.
            return new InetSocketAddress(InetAddress.getByAddress(a.getAddress().getAddress()), a.getPort());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(a.toString(), e);
        }
    }

    /** {@code sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...}; null for a line not understood. */
    static Socket parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10) return null;
        try {
            return new Socket(endpoint(f[1]), endpoint(f[2]), Integer.parseInt(f[3], 16), Long.parseLong(f[9]));
        } catch (IllegalArgumentException | UnknownHostException e) {
            return null;
        }
    }

    /**
     * {@code 0100007F:1F90} is 127.0.0.1:8080: the address is printed as 32-bit words in the host's byte order
     * (little-endian here; every architecture the sandbox supports is), the port as big-endian hex.
     */
    private static InetSocketAddress endpoint(String s) throws UnknownHostException {
        int colon = s.indexOf(':');
        String hex = s.substring(0, colon);
        if (hex.length() != 8 && hex.length() != 32) throw new IllegalArgumentException("address " + hex);
        byte[] b = new byte[hex.length() / 2];
        for (int word = 0; word < b.length / 4; word++) {
            long w = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
            for (int k = 0; k < 4; k++) b[word * 4 + k] = (byte) (w >>> (8 * k));
        }
        return new InetSocketAddress(InetAddress.getByAddress(b), Integer.parseInt(s.substring(colon + 1), 16));
    }
}
