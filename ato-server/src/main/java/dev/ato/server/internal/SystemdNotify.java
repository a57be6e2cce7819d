package dev.ato.server.internal;

import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Sys;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * systemd's readiness protocol ({@code Type=notify}): one datagram such as {@code READY=1} to the AF_UNIX socket named
 * by {@code NOTIFY_SOCKET}. The JDK has no Unix datagram channel (only stream sockets), so the datagram is sent with
 * {@code socket}/{@code sendto} through the sandbox's native layer, from the server's own process: systemd then knows the sender is the
 * unit's main PID and the default {@code NotifyAccess=main} suffices. (The alternative, running
 * {@code systemd-notify --ready} as a child, needs {@code NotifyAccess=all}, and systemd may drop the message when
 * the short-lived child has exited before it reads the sender's cgroup.) Without {@code NOTIFY_SOCKET} nothing is
 * sent.
 */
public final class SystemdNotify {
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
        try {
            Sys.sendDatagram(socketPath, state.getBytes(StandardCharsets.UTF_8));
        } catch (NativeException | IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
