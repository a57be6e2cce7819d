package dev.ato.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.Optional;

/** Whether the server could listen on an address and port, asked before anything else is set up. */
public final class PortCheck {
    private PortCheck() { }

    /**
     * Binds (and at once closes) a listening socket the way the web server will (with {@code SO_REUSEADDR}), so a
     * port held by another listener is reported before the sandbox is made.
     *
     * @return the one-line problem, e.g. {@code cannot listen on 127.0.0.1:8500: Address already in use (...)}
     */
    public static Optional<String> problem(String host, int port) {
        if (port == 0) return Optional.empty();
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(host, port));
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(message(host, port, e.getMessage()));
        }
    }

    /** The one line for a failed bind, with the command that shows who holds the port. */
    public static String message(String host, int port, String why) {
        return "cannot listen on " + host + ":" + port + ": " + why + " (who holds it: ss -ltnp 'sport = :" + port
                + "'; or set server.port / ATO_PORT)";
    }
}
