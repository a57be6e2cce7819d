package dev.ato.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        assertThat(k.keyFor(proxy, List.of("localhost"))).as("a name is never resolved").isEqualTo(k.keyFor(proxy));
        assertThat(k.keyFor(proxy, List.of("[2001:db8::7]"))).isEqualTo(k.keyFor(InetAddress.getByName("2001:db8::7")));
    }

    @Test
    void aTrustedNetworkCoversEachOfItsAddresses() throws Exception {
        ClientKeys k = ClientKeys.open(state, List.of("10.0.0.0/8", "fd00::/8", "192.0.2.5"));
        InetAddress client = InetAddress.getByName("203.0.113.7");
        for (String proxy : List.of("10.0.0.1", "10.255.3.4", "fd00::1", "192.0.2.5")) {
            assertThat(k.keyFor(InetAddress.getByName(proxy), List.of("203.0.113.7"))).as(proxy).isEqualTo(k.keyFor(client));
        }
        for (String stranger : List.of("11.0.0.1", "9.255.255.255", "fe00::1", "192.0.2.6")) {
            InetAddress s = InetAddress.getByName(stranger);
            assertThat(k.keyFor(s, List.of("203.0.113.7"))).as(stranger).isEqualTo(k.keyFor(s));
        }
        assertThat(ClientKeys.open(state, List.of("0.0.0.0/0")).keyFor(InetAddress.getByName("8.8.8.8"),
                List.of("203.0.113.7"))).isEqualTo(k.keyFor(client));
        for (String bad : List.of("10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "fd00::/129", "host.example/8")) {
            assertThatThrownBy(() -> ClientKeys.open(state, List.of(bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
    }
}
