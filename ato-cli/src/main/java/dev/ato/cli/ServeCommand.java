package dev.ato.cli;

import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import dev.ato.server.internal.SystemdNotify;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./ato serve}: the server, until SIGTERM (drain, then exit 0) or SIGINT (stop at once). A server that cannot
 * start (port taken, bad configuration, no sandbox) prints one {@code ato serve: ...} line and exits 125. Under
 * systemd ({@code NOTIFY_SOCKET} set) it sends {@code READY=1} once it listens and {@code STOPPING=1} when a drain
 * begins.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve ATO's API and web page (default http://127.0.0.1:8500). SIGTERM drains, then exits 0.")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (ATO_* variables override it).")
    Path config;

    @Option(names = "--port", paramLabel = "P", description = "TCP port (overrides the configuration; 0 = any free port).")
    Integer port;

    @Override
    public Integer call() throws InterruptedException {
        AtoServer server;
        ServerConfig cfg;
        try {
            cfg = ServerConfig.load(Optional.ofNullable(config));
            if (port != null) cfg = cfg.toBuilder().port(port).build();
            server = AtoServer.start(cfg);
        } catch (RuntimeException e) {
            System.err.println("ato serve: " + Main.oneLine(e));
            return Main.SETUP_FAILED;
        }
        Optional<SystemdNotify> systemd = SystemdNotify.fromEnvironment(System.getenv());
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<Thread> drainer = new AtomicReference<>();
        // SIGTERM (systemd, Kubernetes, a load balancer's orchestration): drain, then exit 0. Handling the signal
        // replaces the JVM's default (run the shutdown hooks, exit 143); a second SIGTERM cuts the drain short.
        Sigterm.handle(() -> {
            Thread t = Thread.ofPlatform().name("ato-drain").unstarted(() -> {
                try {
                    server.drainAndClose();
                } finally {
                    stopped.countDown();
                }
            });
            if (drainer.compareAndSet(null, t)) {
                systemd.ifPresent(n -> notify(n, "STOPPING=1\nSTATUS=draining"));
                t.start();
            } else {
                drainer.get().interrupt();
            }
        });
        // SIGINT (Ctrl-C) and everything else that ends the JVM: stop at once, killing the runs.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (drainer.get() == null) server.close();
        }, "ato-shutdown"));
        String where = "http://" + cfg.bindAddress() + ":" + server.port();
        System.err.println("ato: serving on " + where + " (Ctrl-C stops; SIGTERM drains)");
        systemd.ifPresent(n -> notify(n, "READY=1\nSTATUS=serving on " + where));
        stopped.await();
        return 0;
    }

    private static void notify(SystemdNotify n, String state) {
        try {
            n.send(state);
        } catch (RuntimeException e) {
            System.err.println("ato serve: cannot notify systemd: " + e.getMessage());
        }
    }
}
