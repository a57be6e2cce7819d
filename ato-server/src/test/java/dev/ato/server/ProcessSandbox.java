package dev.ato.server;

import dev.ato.sandbox.OutputListener;
import dev.ato.sandbox.OutputStreamKind;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunResult;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.StatusType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test double of {@link Sandbox} with no isolation: it runs the request's code with the host's bash as a plain
 * child process (code as a script, arguments as $1.., input on stdin), with the sandbox's contract for output
 * chunks, truncation, timeout and kill. Used where the server's behaviour, not the container, is under test,
 * and where a test needs to count or pause runs.
 */
final class ProcessSandbox implements Sandbox {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "process-sandbox-timer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger ids = new AtomicInteger();
    final Set<ProcessHandle> live = ConcurrentHashMap.newKeySet();
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();

    @Override
    public SandboxConfig config() {
        return SandboxConfig.defaults();
    }

    @Override
    public Run start(RunSpec spec, OutputListener listener) {
        String id = "fake-" + ids.incrementAndGet();
        Path dir;
        Process p;
        try {
            dir = Files.createTempDirectory("ato-fake-run");
            Path code = dir.resolve("code");
            Files.write(code, spec.code());
            List<String> argv = new ArrayList<>(List.of("bash", code.toString()));
            for (byte[] a : spec.arguments()) argv.add(new String(a, StandardCharsets.UTF_8));
            p = new ProcessBuilder(argv).directory(dir.toFile()).start();
        } catch (IOException e) {
            throw new dev.ato.sandbox.SandboxException("cannot start bash: " + e.getMessage(), e);
        }
        started.incrementAndGet();
        int now = running.incrementAndGet();
        maxRunning.accumulateAndGet(now, Math::max);
        live.add(p.toHandle());
        long t0 = System.nanoTime();
        AtomicBoolean timedOut = new AtomicBoolean();
        AtomicBoolean[] truncated = {new AtomicBoolean(), new AtomicBoolean()};
        CompletableFuture<RunResult> result = new CompletableFuture<>();
        Process proc = p;
        Runnable kill = () -> {
            proc.descendants().forEach(ProcessHandle::destroyForcibly);
            proc.destroyForcibly();
        };
        var timeout = timer.schedule(() -> {
            timedOut.set(true);
            kill.run();
        }, spec.limits().timeout().toMillis(), TimeUnit.MILLISECONDS);
        Thread.ofPlatform().daemon().start(() -> {
            try (OutputStream in = proc.getOutputStream()) {
                in.write(spec.input());
            } catch (IOException ignored) {
                // the program closed its stdin early
            }
        });
        Thread out = pump(proc.getInputStream(), OutputStreamKind.STDOUT, listener, spec.limits().outputBytes(), truncated[0]);
        Thread err = pump(proc.getErrorStream(), OutputStreamKind.STDERR, listener, spec.limits().outputBytes(), truncated[1]);
        Thread.ofPlatform().daemon().start(() -> {
            try {
                int status = proc.waitFor();
                out.join();
                err.join();
                timeout.cancel(false);
                live.remove(proc.toHandle());
                running.decrementAndGet();
                StatusType type = status > 128 ? StatusType.KILLED : StatusType.EXITED;
                int value = status > 128 ? status - 128 : status;
                result.complete(new RunResult(type, value, timedOut.get(), truncated[0].get(), truncated[1].get(),
                        System.nanoTime() - t0, 0, 0, 1024, 0, 0, 0, 0, 0, 0, false));
            } catch (InterruptedException e) {
                result.completeExceptionally(e);
            }
        });
        return new Run() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public void kill() {
                kill.run();
            }

            @Override
            public CompletableFuture<RunResult> result() {
                return result;
            }
        };
    }

    private static Thread pump(InputStream in, OutputStreamKind kind, OutputListener listener, long limit, AtomicBoolean truncated) {
        return Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[16384];
            long sent = 0;
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    long room = limit - sent;
                    if (room <= 0) {
                        truncated.set(true);
                        continue;
                    }
                    int take = (int) Math.min(room, n);
                    if (take < n) truncated.set(true);
                    sent += take;
                    listener.onOutput(kind, java.util.Arrays.copyOf(buf, take));
                }
            } catch (IOException ignored) {
                // killed
            }
        });
    }

    @Override
    public void close() {
        for (ProcessHandle h : live) h.destroyForcibly();
        timer.shutdownNow();
    }
}
