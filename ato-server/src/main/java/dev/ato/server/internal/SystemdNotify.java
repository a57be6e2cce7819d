package dev.ato.server.internal;

import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * systemd's readiness protocol ({@code Type=notify}): one datagram such as {@code READY=1} to the AF_UNIX socket named
 * by {@code NOTIFY_SOCKET}. The JDK has no Unix datagram channel (only stream sockets), so the datagram is sent with
 * {@code socket}/{@code sendto} through JNA, from the server's own process: systemd then knows the sender is the
 * unit's main PID and the default {@code NotifyAccess=main} suffices. (The alternative, running
 * {@code systemd-notify --ready} as a child, needs {@code NotifyAccess=all}, and systemd may drop the message when
 * the short-lived child has exited before it reads the sender's cgroup.) Without {@code NOTIFY_SOCKET} nothing is
 * sent.
 */
public final class SystemdNotify {
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SUN_PATH_MAX = 108;

    private final String socketPath;

    private SystemdNotify(String socketPath) {
        this.socketPath = socketPath;
    }

    /** The notifier for this process's environment, empty when not started by systemd with a notify socket. */
    public static Optional<SystemdNotify> fromEnvironment(Map<String, String> env) {
        String p = env.get("NOTIFY_SOCKET");
        if (p == null || p.isEmpty() || !(p.startsWith("/") || p.startsWith("@"))) return Optional.empty();
        return Optional.of(new SystemdNotify(p));
    }

    /**
     * Sends one state change, e.g. {@code READY=1\nSTATUS=listening on 127.0.0.1:8500}.
     *
     * @throws IllegalStateException when the datagram cannot be sent (with errno)
     */
    public void send(String state) {
        byte[] path = socketPath.getBytes(StandardCharsets.UTF_8);
        if (path.length >= SUN_PATH_MAX) throw new IllegalStateException("NOTIFY_SOCKET too long: " + socketPath);
        byte[] addr = new byte[2 + SUN_PATH_MAX];
        addr[0] = AF_UNIX; // sa_family_t, little-endian
        System.arraycopy(path, 0, addr, 2, path.length);
        int addrLen = 2 + path.length;
        if (path[0] == '@') {
            addr[2] = 0; // abstract namespace: no trailing NUL counted
        } else {
            addrLen++;   // the path's NUL
        }
        Libc libc = Libc.I;
        int fd = libc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IllegalStateException("socket(AF_UNIX, SOCK_DGRAM): errno " + Native.getLastError());
        try {
            byte[] msg = state.getBytes(StandardCharsets.UTF_8);
            long n = libc.sendto(fd, msg, msg.length, MSG_NOSIGNAL, addr, addrLen);
            if (n != msg.length) {
                throw new IllegalStateException("sendto(" + socketPath + "): errno " + Native.getLastError());
            }
        } finally {
            libc.close(fd);
        }
    }
}
