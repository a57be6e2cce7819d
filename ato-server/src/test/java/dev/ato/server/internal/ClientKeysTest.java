package dev.ato.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientKeysTest {
    @TempDir
    Path state;

    @Test
    void keyIsAStableKeyedHashAndTheSecretIsPrivate() throws Exception {
        ClientKeys k1 = ClientKeys.open(state, List.of());
        InetAddress a = InetAddress.getByName("192.0.2.1");
        String key = k1.keyFor(a);
        // 32 hex digits: never the address itself (a random key may well contain "192" by chance).
        assertThat(key).matches("[0-9a-f]{32}");
        assertThat(ClientKeys.open(state, List.of()).keyFor(a)).isEqualTo(key);
        Path secret = state.resolve(ClientKeys.SECRET_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).isEqualTo("rw-------");
        assertThat(k1.keyFor(InetAddress.getByName("192.0.2.2"))).isNotEqualTo(key);
    }

    @Test
    void anotherSecretGivesAnotherKey(@TempDir Path other) throws Exception {
        InetAddress a = InetAddress.getByName("192.0.2.1");
        assertThat(ClientKeys.open(other, List.of()).keyFor(a)).isNotEqualTo(ClientKeys.open(state, List.of()).keyFor(a));
    }

    @Test
    void forwardedForIsBelievedOnlyFromTrustedProxies() throws Exception {
        ClientKeys k = ClientKeys.open(state, List.of("10.0.0.1"));
        InetAddress proxy = InetAddress.getByName("10.0.0.1");
        InetAddress stranger = InetAddress.getByName("198.51.100.9");
        InetAddress client = InetAddress.getByName("203.0.113.7");
        assertThat(k.keyFor(proxy, List.of("203.0.113.7"))).isEqualTo(k.keyFor(client));
        assertThat(k.keyFor(stranger, List.of("203.0.113.7"))).isEqualTo(k.keyFor(stranger));
        // The left part is whatever the client claimed; the right-most untrusted hop is the one believed.
        assertThat(k.keyFor(proxy, List.of("1.2.3.4, 203.0.113.7"))).isEqualTo(k.keyFor(client));
        assertThat(k.keyFor(proxy, List.of("not-an-address"))).isEqualTo(k.keyFor(proxy));
    }
}
