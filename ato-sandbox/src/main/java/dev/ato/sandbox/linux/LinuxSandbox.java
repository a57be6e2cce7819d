package dev.ato.sandbox.linux;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.Limits;
import dev.ato.sandbox.OutputListener;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.cgroup.CgroupDriver;
import dev.ato.sandbox.nativeaccess.Processes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The Linux implementation of {@link Sandbox}: see {@link Container} for the container, {@link LinuxRun}
 * for a run's life, and init.c for what happens inside before the runner starts.
 */
public final class LinuxSandbox implements Sandbox {
    /** The hostname every container gets. */
    public static final String HOSTNAME = "ato";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final SandboxConfig config;
    private final HostSetup host;
    private final HostNamespaces hostNs;
    private final CgroupDriver cgroups;
    private final NetnsPool netns;
    private final UidSlots uidSlots;
    /** Fires runs' timeouts independently of their own threads (which may be busy in a listener). */
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
            Thread.ofPlatform().name("ato-timeouts").daemon(true).factory());
    private final byte[] seccomp = SeccompFilter.program();
    private final long coreLimit = coreLimit();
    private final Set<LinuxRun> live = ConcurrentHashMap.newKeySet();
    /**
     * Platform threads that drive runs, kept for a minute between runs to save a thread start per run. A
     * thread is reusable because {@link Container#spawn} always returns it to the host's namespaces (or it dies).
     */
    private final ExecutorService runThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), Thread.ofPlatform().name("ato-run-", 0).daemon(true).factory());
    private final AtomicLong counter = new AtomicLong();
    private final String idPrefix;
    private volatile boolean closed;
    private boolean released;

    private LinuxSandbox(SandboxConfig config, HostSetup host, HostNamespaces hostNs, CgroupDriver cgroups) {
        this.config = config;
        this.host = host;
        this.hostNs = hostNs;
        this.cgroups = cgroups;
        this.netns = new NetnsPool(hostNs.net());
        this.uidSlots = new UidSlots(config, host);
        this.timer.setRemoveOnCancelPolicy(true);
        this.idPrefix = Long.toString(ProcessHandle.current().pid(), 36) + Long.toString(RANDOM.nextInt(36 * 36 * 36), 36);
    }

    /**
     * Probes the host, sweeps what an earlier process left, and proves the sandbox works by running
     * {@code /bin/true} in a full container once.
     *
     * @throws SandboxException naming what the host lacks
     */
    public static Sandbox create(SandboxConfig config) {
        if (!System.getProperty("os.name", "").equals("Linux") || !System.getProperty("os.arch", "").equals("amd64")) {
            throw new SandboxException("the sandbox needs Linux on x86_64 (this is " + System.getProperty("os.name")
                    + " on " + System.getProperty("os.arch") + ")");
        }
        int euid = Processes.effectiveUid();
        if (euid != 0) throw new SandboxException("the sandbox needs root: it makes namespaces, mounts and cgroups (euid is " + euid + ")");
        if (!Files.isRegularFile(HostSetup.BASH_STATIC)) {
            throw new SandboxException("no " + HostSetup.BASH_STATIC + ": install Debian's bash-static (it is /ATO/bash in every container)");
        }
        requireFilesystem("overlay", "overlayfs (the container's root)");
        requireFilesystem("tmpfs", "tmpfs");
        requireFilesystem("devpts", "devpts");
        requireFilesystem("mqueue", "mqueue");
        try {
            String max = Files.readString(Path.of("/proc/sys/user/max_user_namespaces")).strip();
            if (max.equals("0")) throw new SandboxException("user namespaces are disabled (/proc/sys/user/max_user_namespaces is 0)");
        } catch (IOException e) {
            throw new SandboxException("no user namespaces in this kernel (/proc/sys/user/max_user_namespaces: " + e + ")");
        }
        HostSetup host = HostSetup.prepare(config);
        CgroupDriver cgroups = null;
        HostNamespaces ns;
        try {
            cgroups = CgroupDriver.probe(config.cgroupName());
            cgroups.sweep();
            ns = new HostNamespaces();
        } catch (RuntimeException e) {
            if (cgroups != null) cgroups.close();
            host.close();
            throw e;
        }
        LinuxSandbox sandbox = new LinuxSandbox(config, host, ns, cgroups);
        sandbox.netns.start();
        try {
            CompletedRun probe = sandbox.run(RunSpec.builder()
                    .image(Image.host())
                    .command("/bin/true")
                    .limits(config.defaultLimits().withTimeout(Duration.ofSeconds(30)))
                    .build());
            if (!probe.result().succeeded()) {
                throw new SandboxException("the sandbox probe (/bin/true in a container) ended "
                        + probe.result().statusType().wireName() + " " + probe.result().statusValue() + ": " + probe.stderrText().strip());
            }
        } catch (SandboxException e) {
            sandbox.close();
            throw new SandboxException("the sandbox does not work on this host: " + e.getMessage(), e);
        }
        return sandbox;
    }

    /**
     * RLIMIT_CORE for runs: 0, except where the host pipes core dumps to a helper (systemd-coredump, apport).
     * The kernel ignores the limit for pipes except the value 1, which it reserves to stop recursive dumps
     * (core(5); fs/coredump.c), and a 1-byte limit also suppresses core files: so 1 there, lest a crash in a
     * container start a root helper on the host.
     */
    private static long coreLimit() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/core_pattern")).startsWith("|") ? 1 : 0;
        } catch (IOException e) {
            return 1;
        }
    }

    long runCoreLimit() {
        return coreLimit;
    }

    private static void requireFilesystem(String fs, String what) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/filesystems"))) {
                if (line.endsWith("\t" + fs)) return;
            }
        } catch (IOException e) {
            throw new SandboxException("cannot read /proc/filesystems: " + e, e);
        }
        throw new SandboxException("the kernel lacks " + what + " (no '" + fs + "' in /proc/filesystems)");
    }

    @Override
    public SandboxConfig config() {
        return config;
    }

    /** What the cgroup driver says about itself, for logs and health pages. */
    public String describeCgroups() {
        return cgroups.describe();
    }

    @Override
    public Run start(RunSpec spec, OutputListener listener) {
        if (closed) throw new SandboxException("the sandbox is closed");
        java.util.Objects.requireNonNull(listener, "listener");
        Limits limits = spec.effectiveLimits(config.defaultLimits());
        List<String> argv = spec.command().orElse(List.of("/ATO/bash", "/ATO/runner"));
        String id = idPrefix + "-" + Long.toString(counter.incrementAndGet(), 36);
        StdinPipe stdin = spec.interactiveStdin()
                ? new StdinPipe(id, spec.input(), config.uidBase(), config.gidBase()) : null;
        Container.Request req = new Container.Request(spec.image(), spec.code(), spec.input(),
                nulTerminated(spec.arguments()), nulTerminated(spec.options()),
                spec.runnerScript().orElse(null), argv, environment(spec), HOSTNAME, limits,
                stdin == null ? -1 : stdin.readEnd());
        LinuxRun run = new LinuxRun(this, id, spec.clientKey().orElse("local"), req, listener);
        if (stdin != null) run.result().whenComplete((r, e) -> stdin.close());
        live.add(run);
        if (closed) throw refuse(run);
        try {
            run.start(runThreads);
        } catch (RejectedExecutionException e) {
            throw refuse(run);
        }
        return stdin == null ? run : new InteractiveRun(run, stdin);
    }

    /** A run with a streaming stdin: the run itself, plus its {@link StdinPipe}. */
    private record InteractiveRun(LinuxRun run, StdinPipe stdin) implements Run {
        @Override
        public String id() {
            return run.id();
        }

        @Override
        public void kill() {
            run.kill();
        }

        @Override
        public java.util.concurrent.CompletableFuture<dev.ato.sandbox.RunResult> result() {
            return run.result();
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> writeStdin(byte[] data) {
            return stdin.write(data);
        }

        @Override
        public void closeStdin() {
            stdin.closeInput();
        }
    }

    /** Undoes {@link #start}'s registration of a run that close() overtook; returns what start throws. */
    private SandboxException refuse(LinuxRun run) {
        live.remove(run);
        run.abandon();
        releaseWhenIdle();
        return new SandboxException("the sandbox is closed");
    }

    private static byte[] nulTerminated(List<byte[]> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] b : items) {
            out.writeBytes(b);
            out.write(0);
        }
        return out.toByteArray();
    }

    private static List<String> environment(RunSpec spec) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", Image.DEFAULT_PATH);
        env.put("HOME", "/root");
        env.put("LANG", "C.UTF-8");
        env.putAll(spec.image().env());
        for (String e : spec.extraEnv()) {
            int eq = e.indexOf('=');
            env.put(e.substring(0, eq), e.substring(eq + 1));
        }
        List<String> out = new ArrayList<>();
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    @Override
    public void close() {
        closed = true;
        for (LinuxRun r : live) r.kill();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (LinuxRun r : List.copyOf(live)) {
            try {
                r.result().get(Math.max(1, until - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // The run failed or is stuck in the kernel; its own thread keeps cleaning up.
            }
        }
        runThreads.shutdown();
        timer.shutdownNow();
        netns.close();
        // A run's future completes just before its thread says it ended: wait for that too, so that the host
        // is clean (cgroups, state directory) when close returns.
        synchronized (this) {
            long left;
            while (!live.isEmpty() && (left = until - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        releaseWhenIdle();
    }

    /**
     * Once closed and no run can still need them: closes the host namespace descriptors, removes the state
     * directory's content (unless another sandbox shares it) and the cgroup tree (unless another holder of
     * the name remains).
     */
    private synchronized void releaseWhenIdle() {
        if (closed && live.isEmpty() && !released) {
            released = true;
            hostNs.close();
            uidSlots.close();
            try {
                host.close();
            } finally {
                cgroups.close();
            }
        }
    }

    void ended(LinuxRun run) {
        live.remove(run);
        if (closed) {
            releaseWhenIdle();
            synchronized (this) {
                notifyAll();
            }
        }
    }

    CgroupDriver cgroups() {
        return cgroups;
    }

    HostSetup host() {
        return host;
    }

    UidSlots uidSlots() {
        return uidSlots;
    }

    HostNamespaces hostNamespaces() {
        return hostNs;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    int liveRuns() {
        return live.size();
    }

    NetnsPool netns() {
        return netns;
    }

    /** Threads for work a run does beside its own thread (they stay in the host's namespaces). */
    java.util.concurrent.Executor helpers() {
        return runThreads;
    }

    byte[] seccompProgram() {
        return seccomp;
    }
}
