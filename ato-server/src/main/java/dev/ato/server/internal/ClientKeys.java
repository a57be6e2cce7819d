package dev.ato.server.internal;

import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns a client address into the key runs are accounted to: HMAC-SHA256 of the address under a secret made at
 * first start and kept 0600 in the state directory, truncated to 128 bits, in hex. The address itself is never
 * stored or logged; the secret keeps the key from being reversed by hashing every IPv4 address.
 */
public final class ClientKeys {
    static final String SECRET_FILE = "client-key.secret";
    private static final int SECRET_BYTES = 32;

    private final SecretKeySpec secret;
    private final List<Network> trustedProxies;

    private ClientKeys(byte[] secret, List<Network> trustedProxies) {
        this.secret = new SecretKeySpec(secret, "HmacSHA256");
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /**
     * Loads the secret from {@code stateDir}, making it (0600, never overwritten) when it is missing.
     *
     * @param trustedProxies address literals, or networks as {@code address/prefix} (a load balancer's or an
     *     ingress controller's pods, whose addresses change)
     */
    public static ClientKeys open(Path stateDir, List<String> trustedProxies) {
        List<Network> proxies = new java.util.ArrayList<>();
        for (String p : trustedProxies) proxies.add(Network.parse(p.trim()));
        return new ClientKeys(loadOrCreateSecret(stateDir), proxies);
    }

    /** An address and a prefix length (the whole address for a bare literal). */
    private record Network(byte[] address, int prefix) {
        static Network parse(String text) {
            int slash = text.indexOf('/');
            InetAddress a = ClientKeys.parse(slash < 0 ? text : text.substring(0, slash));
            if (a == null) {
                throw new IllegalArgumentException("trusted proxy is not an IP address literal or address/prefix: " + text);
            }
            int bits = a.getAddress().length * 8;
            int prefix = bits;
            if (slash >= 0) {
                String p = text.substring(slash + 1);
                if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > bits) {
                    throw new IllegalArgumentException("trusted proxy network has a bad prefix length: " + text);
                }
                prefix = Integer.parseInt(p);
            }
            return new Network(a.getAddress(), prefix);
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != address.length) return false;
            for (int i = 0; i < prefix; i++) {
                int mask = 0x80 >> (i % 8);
                if ((b[i / 8] & mask) != (address[i / 8] & mask)) return false;
            }
            return true;
        }
    }

    private boolean trusted(InetAddress a) {
        for (Network n : trustedProxies) if (n.contains(a)) return true;
        return false;
    }

    private static byte[] loadOrCreateSecret(Path stateDir) {
        Path file = stateDir.resolve(SECRET_FILE);
        try {
            Files.createDirectories(stateDir);
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                byte[] fresh = new byte[SECRET_BYTES];
                new SecureRandom().nextBytes(fresh);
                Path tmp = stateDir.resolve(SECRET_FILE + "." + ProcessHandle.current().pid() + ".tmp");
                Files.deleteIfExists(tmp);
                // Created 0600 from the start: the secret must never be readable by others, not even briefly.
                try (SeekableByteChannel ch = Files.newByteChannel(tmp,
                        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                    ch.write(ByteBuffer.wrap(HexFormat.of().formatHex(fresh).getBytes(StandardCharsets.US_ASCII)));
                }
                try {
                    // A link, not a rename: two servers starting at once must end up with the same secret.
                    Files.createLink(file, tmp);
                } catch (FileAlreadyExistsException raced) {
                    // another process won; use its secret
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalStateException("client-key secret " + file + " is not a regular file");
            }
            byte[] text;
            try (SeekableByteChannel ch = Files.newByteChannel(file, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
                if (ch.size() > 4096) throw new IllegalStateException("client-key secret " + file + " is too large");
                ByteBuffer buf = ByteBuffer.allocate((int) ch.size());
                while (buf.hasRemaining() && ch.read(buf) > 0) { }
                text = buf.array();
            }
            byte[] key = HexFormat.of().parseHex(new String(text, StandardCharsets.US_ASCII).trim());
            if (key.length < 16) throw new IllegalStateException("client-key secret " + file + " is too short");
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load or create the client-key secret in " + stateDir + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("client-key secret " + file + " is not hex: delete it to make a new one", e);
        }
    }

    /**
     * The key of the client behind a connection: the peer address, or, when the peer is a trusted proxy, the
     * right-most address of {@code X-Forwarded-For} that is not itself a trusted proxy (the left part of the
     * header is whatever the client claimed and is not believed).
     */
    public String keyFor(InetAddress peer, List<String> forwardedFor) {
        InetAddress client = peer;
        if (trusted(peer) && !forwardedFor.isEmpty()) {
            List<String> hops = forwardedFor.stream()
                    .flatMap(h -> java.util.Arrays.stream(h.split(",")))
                    .map(String::trim).filter(s -> !s.isEmpty()).toList();
            for (int i = hops.size() - 1; i >= 0; i--) {
                InetAddress hop = parse(hops.get(i));
                if (hop == null) break;
                client = hop;
                if (!trusted(hop)) break;
            }
        }
        return keyFor(client);
    }

    /** The key of one address. */
    public String keyFor(InetAddress address) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            byte[] d = mac.doFinal(address.getHostAddress().getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static InetAddress parse(String s) {
        String t = s.startsWith("[") && s.contains("]") ? s.substring(1, s.indexOf(']')) : s;
        // Only literals (Guava's parser never asks DNS, with a name the client chose).
        return InetAddresses.isInetAddress(t) ? InetAddresses.forString(t) : null;
    }

    /** The address of a connection's peer: its IP address, or 127.0.0.1 for a peer that has none. */
    static InetAddress address(SocketAddress peer) {
        if (peer instanceof InetSocketAddress isa) return isa.getAddress();
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
