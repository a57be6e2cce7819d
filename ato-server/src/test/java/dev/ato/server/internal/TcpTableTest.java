package dev.ato.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TcpTableTest {
    @Test
    void parsesProcLinesOfBothFamilies() {
        TcpTable.Socket v4 = TcpTable.parse("   1: 0100007F:1F90 0200A8C0:D431 01 00000000:00000000 00:00000000 00000000     0        0 12345 1");
        assertThat(v4.local()).isEqualTo(new InetSocketAddress("127.0.0.1", 8080));
        assertThat(v4.remote()).isEqualTo(new InetSocketAddress("192.168.0.2", 0xD431));
        assertThat(v4.state()).isEqualTo(TcpTable.ESTABLISHED);
        assertThat(v4.inode()).isEqualTo(12345);
        TcpTable.Socket mapped = TcpTable.parse("   0: 0000000000000000FFFF00000100007F:8663 0000000000000000FFFF00000100007F:AEE6 08 "
                + "00000000:00000000 03:00000784 00000000     0        0 77 3 000000003a61e44f");
        assertThat(mapped.local()).isEqualTo(new InetSocketAddress("127.0.0.1", 0x8663));
        assertThat(mapped.state()).isEqualTo(TcpTable.CLOSE_WAIT);
        assertThat(TcpTable.parse("  sl  local_address rem_address   st tx_queue")).isNull();
    }

    @Test
    void seesAPeersCloseWithoutReadingTheSocket() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
            try (Socket server = listener.accept()) {
                InetSocketAddress local = (InetSocketAddress) server.getLocalSocketAddress();
                InetSocketAddress remote = (InetSocketAddress) server.getRemoteSocketAddress();
                assertThat(TcpTable.read().find(local, remote)).get().extracting(TcpTable.Socket::state).isEqualTo(TcpTable.ESTABLISHED);
                client.close();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (TcpTable.read().find(local, remote).orElseThrow().state() != TcpTable.CLOSE_WAIT) {
                    assertThat(System.nanoTime()).as("CLOSE_WAIT after the client closed").isLessThan(deadline);
                    Thread.sleep(10);
                }
            }
        }
    }
}
