package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Native;
import dev.ato.server.internal.TcpTable;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The server's accepted sockets have TCP_NODELAY set. Without it a run's last Stdout chunk and its Done record,
 * written back to back, wait for the client's delayed ACK (40 ms on Linux): 50 sequential runs over one
 * WebSocket took 2.37 s without it and 0.08 s with it. Checked on the socket itself with getsockopt(2), since
 * timings in a test on a shared machine would prove nothing.
 */
@Tag("kernel")
class TcpNoDelayTest {
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;

    /** getsockopt(2), directly mapped. */
    private static final class LibC {
        static {
            Native.register("c");
        }

        static native int getsockopt(int fd, int level, int optname, int[] optval, int[] optlen);
    }

    private static int noDelay(int fd) {
        int[] value = {-1};
        int[] len = {4};
        assertThat(LibC.getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, value, len)).as("getsockopt(%d)", fd).isZero();
        return value[0];
    }

    /** The fd of this process that holds the socket with this inode. */
    private static int fdOf(long inode) throws Exception {
        String target = "socket:[" + inode + "]";
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(target)) return Integer.parseInt(fd.getFileName().toString());
                } catch (java.io.IOException e) {
                    // closed while listing
                }
            }
        }
        throw new AssertionError("no fd of this process holds " + target);
    }

    @Test
    void acceptedConnectionsHaveNagleOff() throws Exception {
        try (AtoServer server = TestServers.start(TestServers.config());
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            client.getOutputStream().write("GET /api/v0/metadata HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = client.getInputStream();
            assertThat(new String(in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");

            TcpTable table = TcpTable.read();
            InetSocketAddress clientEnd = (InetSocketAddress) client.getLocalSocketAddress();
            InetSocketAddress serverEnd = (InetSocketAddress) client.getRemoteSocketAddress();
            int serverFd = fdOf(table.find(serverEnd, clientEnd).orElseThrow().inode());
            int clientFd = fdOf(table.find(clientEnd, serverEnd).orElseThrow().inode());
            assertThat(noDelay(clientFd)).as("a plain java.net.Socket keeps Nagle on: the check can tell").isZero();
            assertThat(noDelay(serverFd)).as("TCP_NODELAY on the server's side").isEqualTo(1);
        }
    }
}
