package dev.ato.server.cli;

import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./ato serve}: the server, until SIGINT or SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve ATO's API and web page (default http://127.0.0.1:8500).")
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (ATO_* variables override it).")
    Path config;

    @Option(names = "--port", paramLabel = "P", description = "TCP port (overrides the configuration; 0 = any free port).")
    Integer port;

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig cfg = ServerConfig.load(Optional.ofNullable(config));
        if (port != null) cfg = cfg.toBuilder().port(port).build();
        AtoServer server = AtoServer.start(cfg);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "ato-shutdown"));
        System.err.println("ato: serving on http://" + cfg.bindAddress() + ":" + server.port() + " (Ctrl-C stops)");
        stopped.await();
        return 0;
    }
}
