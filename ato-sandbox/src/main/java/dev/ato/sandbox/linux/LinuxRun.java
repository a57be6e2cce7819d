package dev.ato.sandbox.linux;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.OutputListener;
import dev.ato.sandbox.OutputStreamKind;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunResult;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.StatusType;
import dev.ato.sandbox.cgroup.CgroupStats;
import dev.ato.sandbox.cgroup.RunCgroup;
import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.Processes;
import dev.ato.sandbox.nativeaccess.Sys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One run, driven from start to cleanup by one platform thread of the sandbox's pool: that thread builds
 * the container (in namespaces it leaves again before touching the host, see {@link Container}), then multiplexes the run's pipes, the init's pidfd
 * and a kill eventfd with poll(2), so no blocking native call ever runs on a caller's (virtual) thread.
 *
 * <p>Protocol with the init (see init.c): the JVM writes the seccomp program into the control pipe before
 * the spawn and 'P' once the spawning thread has left the run's mount namespace; after setting the init's rlimits (and, on cgroup v2, placing it in the cgroup: on v1 the init joins it itself) it waits for 'U' on the status
 * pipe (the init made its user namespace), writes the uid/gid maps, and answers 'G'. The init's last words
 * are a 128-byte report: the runner's wait status and the rusage of everything it reaped.
 *
 * <p>Output: each stream is delivered in chunks (one read each) of at most 16 KiB, as ATO does: whole chunks
 * until the total passes {@link Limits#outputBytes()}, the chunk that passes it included; then the JVM closes its
 * end of that pipe, so a program that keeps writing gets SIGPIPE (or EPIPE) at once: {@code yes} ends in
 * milliseconds instead of running into the timeout.
 *
 * <p>Its size (about 500 lines) is one run's life from spawn to report in order; the mount work is {@code
 * Container}'s, the report's layout {@code InitReport}'s.
 */
final class LinuxRun implements Run {
    static final int CHUNK = 16 * 1024;
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    /** After the init exits the kernel kills the rest of the PID namespace; their pipe ends close soon after. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int STDERR_KEPT = 1024;

    private final LinuxSandbox sandbox;
    private final String id;
    private final String clientKey;
    private final Container.Request request;
    private final Limits limits;
    private final OutputListener listener;
    private final CompletableFuture<RunResult> result = new CompletableFuture<>();
    private final int killFd;
    private final Object killLock = new Object();
    private boolean killFdClosed;
    private volatile boolean killRequested;
    private volatile boolean timerFired;
    /** The init's pidfd while it may be signalled, for kills from other threads; guarded by killLock. */
    private int livePidfd = -1;
    /** The run's host id range, from start to the end of its cleanup; only the run's thread uses it. */
    private UidSlots.Slot slot;

    LinuxRun(LinuxSandbox sandbox, String id, String clientKey, Container.Request request, OutputListener listener) {
        this.sandbox = sandbox;
        this.id = id;
        this.clientKey = clientKey;
        this.request = request;
        this.limits = request.limits();
        this.listener = listener;
        this.killFd = Sys.eventfd();
    }

    /** Hands the run to one of the sandbox's platform threads; returns at once. */
    void start(java.util.concurrent.Executor runThreads) {
        runThreads.execute(this::body);
    }

    /** Releases what the constructor took, for a run that never started. */
    void abandon() {
        closeKillFd();
        result.completeExceptionally(new SandboxException("the sandbox is closed"));
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public void kill() {
        killRequested = true;
        killNow();
    }

    /**
     * SIGKILLs the init from the calling thread (a non-blocking call, fine on a virtual thread) and wakes
     * the run's own thread, so that a kill or the timeout takes effect even while that thread is busy in
     * the output listener.
     */
    private void killNow() {
        synchronized (killLock) {
            if (livePidfd >= 0) Processes.pidfdKill(livePidfd);
            if (!killFdClosed) {
                Sys.signalEventfd(killFd); // wakes the run's poll
            }
        }
    }

    private void forgetPidfd() {
        synchronized (killLock) {
            livePidfd = -1;
        }
    }

    @Override
    public CompletableFuture<RunResult> result() {
        return result;
    }

    private void body() {
        Thread.currentThread().setName("ato-run-" + id);
        try {
            result.complete(execute());
        } catch (SandboxException e) {
            result.completeExceptionally(e);
        } catch (HostNamespaces.StrandedThreadError e) {
            result.completeExceptionally(new SandboxException("run " + id + " failed: " + e.getMessage(), e));
            throw e; // ends this thread: it must not serve another run
        } catch (Throwable t) {
            result.completeExceptionally(new SandboxException("run " + id + " failed: " + t, t));
        } finally {
            closeKillFd();
            sandbox.ended(this);
        }
    }

    /** Closes the kill eventfd once; under killLock, so that a concurrent {@link #killNow} never writes to a closed (or reused) descriptor. */
    private void closeKillFd() {
        synchronized (killLock) {
            if (!killFdClosed) {
                killFdClosed = true;
                Sys.closeQuietly(killFd);
            }
        }
    }

    /** Mutable state of the poll loop. */
    private static final class Io {
        int out = -1;
        int err = -1;
        int status = -1;
        int control = -1;
        int pidfd = -1;
        long outBytes;
        long errBytes;
        boolean outTruncated;
        boolean errTruncated;
        boolean mapsWritten;
        final byte[] report = new byte[InitReport.BYTES];
        int reportLen;
        final byte[] stderrHead = new byte[STDERR_KEPT];
        int stderrHeadLen;
    }

    private RunResult execute() {
        // With a core to spare, the cgroup is made on a helper thread while this one builds the container: they
        // do not depend on each other until the init must be placed, and each takes a few hundred
        // microseconds. When every core is busy anyway, the hand-off would only cost context switches.
        // The files the init joins the cgroup through are opened here too, so that the run's thread, which
        // waits for them inside the run's namespaces, does no host work there.
        java.util.function.Supplier<ReadyCgroup> makeCgroup = () -> {
            RunCgroup made = sandbox.cgroups().create(
                    clientKey, id, limits, sandbox.config().clientMemoryBytes(), sandbox.config().clientPids());
            try {
                return new ReadyCgroup(made, made.openJoinFiles());
            } catch (RuntimeException e) {
                made.close();
                throw e;
            }
        };
        CompletableFuture<ReadyCgroup> pending = sandbox.liveRuns() < CORES
                ? CompletableFuture.supplyAsync(makeCgroup, sandbox.helpers())
                : CompletableFuture.completedFuture(makeCgroup.get());
        int[][] joinFds = {null};
        java.util.function.Supplier<int[]> join = () -> {
            int[] fds = await(pending).joinFiles();
            joinFds[0] = fds;
            return fds;
        };
        RunCgroup cgroup = null;
        java.util.concurrent.ScheduledFuture<?> timer = null;
        Io io = new Io();
        int[] childEnds = {-1, -1, -1, -1};
        int pid = -1;
        boolean reaped = false;
        try {
            int[] out = Sys.pipe();
            io.out = out[0];
            childEnds[0] = out[1];
            int[] err = Sys.pipe();
            io.err = err[0];
            childEnds[1] = err[1];
            // The pipes are host root's, nobody inside: given to the run's root, the program may reopen its
            // output (echo hi > /dev/stdout, > /proc/self/fd/2) as on any Linux. Both ends are one inode.
            slot = sandbox.uidSlots().acquire();
            for (int end : new int[] {out[1], err[1]}) {
                Sys.fchown(end, slot.uid(), slot.gid(), "the run's output pipe");
            }
            int[] ctl = Sys.pipe();
            childEnds[2] = ctl[0];
            io.control = ctl[1];
            int[] st = Sys.pipe();
            io.status = st[0];
            childEnds[3] = st[1];
            byte[] filter = sandbox.seccompProgram();
            ByteBuffer msg = ByteBuffer.allocate(4 + filter.length).order(ByteOrder.LITTLE_ENDIAN);
            msg.putInt(filter.length / 8).put(filter);
            Sys.writeAll(io.control, msg.array(), "control pipe");

            UidSlots slots = sandbox.uidSlots();
            pid = Container.spawn(sandbox.host(), sandbox.hostNamespaces(), sandbox.netns(), slot.uid(), slot.gid(),
                    slots.skeleton(slot), request.image().hostImage() ? -1 : slots.layerIdmap(slot), request, childEnds, join);
            long started = System.nanoTime();
            // This thread is back in the host's mount namespace (Container.spawn returned): the init may now
            // pivot_root without moving the root of any JVM thread.
            Sys.writeAll(io.control, new byte[] {'P'}, "control pipe");
            for (int i = 0; i < childEnds.length; i++) {
                Sys.closeQuietly(childEnds[i]);
                childEnds[i] = -1;
            }
            io.pidfd = Processes.pidfdOpen(pid);
            synchronized (killLock) {
                livePidfd = io.pidfd;
            }
            timer = sandbox.timer().schedule(() -> {
                timerFired = true;
                killNow();
            }, limits.timeout().toNanos(), TimeUnit.NANOSECONDS);
            if (killRequested) killNow();
            ReadyCgroup ready = await(pending);
            cgroup = ready.cgroup();
            // On v1 the init moves itself in (its first act, before it can fork); on v2 we move it.
            if (ready.joinFiles().length == 0) cgroup.addProcess(pid);
            closeAll(joinFds[0]);
            joinFds[0] = null;
            setRlimits(pid);

            Loop loop = new Loop(io, pid, started + limits.timeout().toNanos(), cgroup);
            loop.run();
            reaped = loop.initStatus != Integer.MIN_VALUE;
            long realNanos = loop.exitedAt - started;
            CgroupStats stats = cgroup.stats();
            return compose(loop, io, stats, realNanos);
        } finally {
            for (int fd : childEnds) Sys.closeQuietly(fd);
            closeAll(joinFds[0]);
            Sys.closeQuietly(io.out);
            Sys.closeQuietly(io.err);
            Sys.closeQuietly(io.status);
            Sys.closeQuietly(io.control);
            if (timer != null) timer.cancel(false);
            forgetPidfd();
            if (pid > 0 && !reaped) {
                if (io.pidfd >= 0) Processes.pidfdKill(io.pidfd);
                else Processes.kill(pid);
                Processes.reap(pid);
            }
            Sys.closeQuietly(io.pidfd);
            if (cgroup == null) {
                try {
                    ReadyCgroup ready = await(pending);
                    cgroup = ready.cgroup();
                    if (joinFds[0] == null) closeAll(ready.joinFiles()); // never handed to the spawn
                } catch (RuntimeException e) {
                    // creating it failed: nothing to remove
                }
            }
            try {
                if (cgroup != null) cgroup.close();
            } finally {
                if (slot != null) sandbox.uidSlots().release(slot); // every process of the run is gone
            }
        }
    }

    /** The run's cgroup and the files the init joins it through (none on v2). */
    private record ReadyCgroup(RunCgroup cgroup, int[] joinFiles) { }

    private static void closeAll(int[] fds) {
        if (fds == null) return;
        for (int fd : fds) Sys.closeQuietly(fd);
    }

    private static <T> T await(CompletableFuture<T> pending) {
        try {
            return pending.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error er) throw er;
            throw e;
        }
    }

    private void setRlimits(int pid) {
        Processes.prlimit(pid, LibC.RLIMIT_FSIZE, limits.fileSizeBytes(), "RLIMIT_FSIZE");
        Processes.prlimit(pid, LibC.RLIMIT_CORE, sandbox.runCoreLimit(), "RLIMIT_CORE");
        Processes.prlimit(pid, LibC.RLIMIT_LOCKS, 1024, "RLIMIT_LOCKS");
        Processes.prlimit(pid, LibC.RLIMIT_SIGPENDING, 1024, "RLIMIT_SIGPENDING");
        Processes.prlimit(pid, LibC.RLIMIT_MSGQUEUE, 800 * 1024, "RLIMIT_MSGQUEUE");
        Processes.prlimit(pid, LibC.RLIMIT_MEMLOCK, 64 * 1024, "RLIMIT_MEMLOCK");
        Processes.prlimit(pid, LibC.RLIMIT_NOFILE, 4096, "RLIMIT_NOFILE");
    }

    /** The poll loop of one run. */
    private final class Loop {
        final Io io;
        final int pid;
        final long deadline;
        final RunCgroup cgroup;
        boolean timedOut;
        boolean killed;
        int initStatus = Integer.MIN_VALUE;
        long exitedAt;
        final byte[] buf = new byte[CHUNK];
        final int[] pollfds = new int[10];

        Loop(Io io, int pid, long deadline, RunCgroup cgroup) {
            this.io = io;
            this.pid = pid;
            this.deadline = deadline;
            this.cgroup = cgroup;
        }

        void run() {
            long drainUntil = Long.MAX_VALUE;
            while (true) {
                boolean exited = initStatus != Integer.MIN_VALUE;
                if (exited && io.out < 0 && io.err < 0 && io.status < 0) return;
                long now = System.nanoTime();
                if (!exited && !timedOut && !killed && (timerFired || now - deadline >= 0)) {
                    timedOut = true;
                    stop();
                }
                if (!exited && killRequested && !killed) {
                    killed = true;
                    stop();
                }
                if (exited && now - drainUntil >= 0) return; // something outside our reach holds a pipe
                long waitNanos;
                if (exited) waitNanos = drainUntil - now;
                else if (timedOut || killed) waitNanos = TimeUnit.SECONDS.toNanos(1);
                else waitNanos = deadline - now;
                int waitMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (waitNanos + 999_999) / 1_000_000));

                int[] fds = {io.out, io.err, io.status, io.pidfd, killed || exited ? -1 : killFd};
                for (int i = 0; i < fds.length; i++) {
                    pollfds[2 * i] = fds[i];
                    pollfds[2 * i + 1] = LibC.POLLIN;
                }
                if (Sys.poll(pollfds, fds.length, waitMillis, "run " + id) == 0) continue; // a timeout, or EINTR
                if (ready(0)) io.out = readOutput(io.out, OutputStreamKind.STDOUT);
                if (ready(1)) io.err = readOutput(io.err, OutputStreamKind.STDERR);
                if (ready(2)) readStatus();
                if (ready(4)) Sys.drainEventfd(killFd); // acted on at the top of the loop
                if (ready(3)) {
                    int[] st = new int[1];
                    if (Processes.waitNoHang(pid, st) == pid) {
                        initStatus = st[0];
                        // The timer may kill the init between our look at the clock and this poll's return:
                        // an init that died without its report after the timer fired was killed by it.
                        if (timerFired && !timedOut && !killed && io.reportLen < InitReport.BYTES) timedOut = true;
                        exitedAt = System.nanoTime();
                        drainUntil = exitedAt + DRAIN_NANOS;
                        forgetPidfd();
                        Sys.closeQuietly(io.pidfd);
                        io.pidfd = -1;
                        Sys.closeQuietly(io.control);
                        io.control = -1;
                    }
                }
            }
        }

        private boolean ready(int i) {
            return pollfds[2 * i] >= 0 && (pollfds[2 * i + 1] >>> 16) != 0;
        }

        /** Kills the init: as PID 1 of the run's PID namespace, its death takes every process of the run. */
        private void stop() {
            if (io.pidfd >= 0) Processes.pidfdKill(io.pidfd);
            Sys.closeQuietly(io.control); // an init still waiting for 'G' gives up
            io.control = -1;
        }

        private int readOutput(int fd, OutputStreamKind kind) {
            int n = Sys.readOrEnd(fd, buf, buf.length);
            if (n < 0) return fd; // nothing yet
            if (n == 0) {
                Sys.closeQuietly(fd);
                return -1;
            }
            int len = n;
            boolean isOut = kind == OutputStreamKind.STDOUT;
            // ATO's rule: every read is delivered whole; the one that takes the total past the limit is the last.
            boolean over = (isOut ? io.outBytes : io.errBytes) + len > limits.outputBytes();
            if (!isOut && io.stderrHeadLen < STDERR_KEPT) {
                int k = Math.min(len, STDERR_KEPT - io.stderrHeadLen);
                System.arraycopy(buf, 0, io.stderrHead, io.stderrHeadLen, k);
                io.stderrHeadLen += k;
            }
            try {
                listener.onOutput(kind, java.util.Arrays.copyOf(buf, len));
            } catch (RuntimeException e) {
                // A failing listener must not leave the run unsupervised; it just loses output.
            }
            if (isOut) io.outBytes += len;
            else io.errBytes += len;
            if (over) {
                if (isOut) io.outTruncated = true;
                else io.errTruncated = true;
                Sys.closeQuietly(fd); // the writer now gets SIGPIPE / EPIPE
                return -1;
            }
            return fd;
        }

        private void readStatus() {
            int n = Sys.readOrEnd(io.status, buf, InitReport.BYTES + 1);
            if (n < 0) return; // nothing yet
            if (n == 0) {
                Sys.closeQuietly(io.status);
                io.status = -1;
                return;
            }
            int off = 0;
            if (!io.mapsWritten) {
                if (buf[0] != 'U') throw new SandboxException("run " + id + ": unexpected byte from the init");
                io.mapsWritten = true;
                off = 1;
                if (!timedOut && !killed) {
                    // Host-side writes: this thread is back in the host's namespaces (Container.spawn).
                    String proc = "/proc/" + pid;
                    int count = sandbox.config().uidCount();
                    Sys.writeExisting(proc + "/uid_map", "0 " + slot.uid() + " " + count + "\n");
                    Sys.writeExisting(proc + "/gid_map", "0 " + slot.gid() + " " + count + "\n");
                    Sys.writeAll(io.control, new byte[] {'G'}, "control pipe");
                }
                Sys.closeQuietly(io.control);
                io.control = -1;
            }
            int k = Math.min(n - off, InitReport.BYTES - io.reportLen);
            if (k > 0) {
                System.arraycopy(buf, off, io.report, io.reportLen, k);
                io.reportLen += k;
            }
        }
    }

    private RunResult compose(Loop loop, Io io, CgroupStats stats, long realNanos) {
        Optional<InitReport> report = InitReport.parse(io.report, io.reportLen);
        StatusType type;
        int value;
        if (loop.timedOut || (loop.killed && report.isEmpty())) {
            type = StatusType.KILLED;
            value = LibC.SIGKILL;
        } else if (report.isPresent()) {
            InitReport r = report.get();
            if (r.termSignal() == 0) {
                type = StatusType.EXITED;
                value = r.exitCode();
            } else {
                type = r.coreDumped() ? StatusType.CORE_DUMPED : StatusType.KILLED;
                value = r.termSignal();
            }
        } else if (stats.oomKilled()) {
            type = StatusType.KILLED;
            value = LibC.SIGKILL;
        } else if ((loop.initStatus & 0x7f) != 0) {
            type = StatusType.KILLED;
            value = loop.initStatus & 0x7f;
        } else {
            String why = new String(io.stderrHead, 0, io.stderrHeadLen, StandardCharsets.UTF_8).strip();
            throw new SandboxException("run " + id + ": the container's init failed (exit "
                    + ((loop.initStatus >> 8) & 0xff) + ")" + (why.isEmpty() ? "" : ": " + why));
        }
        // Without a report (the init was killed) the counts are 0, as ATO reports them.
        InitReport r = report.orElse(new InitReport(0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        long cgroupPeakKib = stats.peakMemoryBytes() / 1024;
        // ATO's max_mem is ru_maxrss of what was reaped; the cgroup's peak where that is higher (no report, or
        // memory no single process held, e.g. tmpfs files or several processes at once).
        long maxMemKib = Math.max(r.maxRssKib(), cgroupPeakKib);
        return RunResult.builder().status(type, value).timedOut(loop.timedOut).stdoutTruncated(io.outTruncated)
                .stderrTruncated(io.errTruncated).realNanos(realNanos).kernelNanos(stats.kernelNanos())
                .userNanos(stats.userNanos()).maxMemKib(maxMemKib).waits(r.voluntarySwitches())
                .preemptions(r.involuntarySwitches()).majorPageFaults(r.majorFaults())
                .minorPageFaults(r.minorFaults()).inputOps(r.inputBlocks()).outputOps(r.outputBlocks())
                .oomKilled(stats.oomKilled()).cgroupPeakKib(cgroupPeakKib).build();
    }
}
