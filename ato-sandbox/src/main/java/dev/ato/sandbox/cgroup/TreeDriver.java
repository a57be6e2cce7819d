package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.cgroup.CgroupFs.Dir;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.Sys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * What both cgroup versions share: the {@code <name>/p<pid>/<client>/<run>} tree over one or more hierarchies
 * (each process its own subtree {@code p<pid>}, so that any process may sweep a dead one's at once),
 * reference-counted client directories, the kill-until-empty loop, removal with retry, and the sweep.
 * The subclasses say which files carry the limits and the figures, and how one round of killing is done.
 *
 * <p>Its size (about 700 lines) is the shared part of two drivers: split further, the v1 and v2 drivers would each
 * repeat the reference counting, the kill loop and the sweep.
 */
abstract class TreeDriver implements CgroupDriver {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Pattern ROOT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** How long killAll and close keep trying before they report processes that do not die. */
    static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** The CPU quota's period, both versions: the kernel's default 100 ms. */
    static final long CPU_PERIOD_US = 100_000;

    final CgroupFs fs;
    final String name;
    /** {@code <mount>/<name>} in each hierarchy, held open for the driver's lifetime. */
    final Dir[] roots;
    /** This process's subtree's name under {@code <name>}: {@code p<pid>}. */
    final String ownName = ownerName(ProcessHandle.current().pid());
    /** {@code <mount>/<name>/p<pid>} in each hierarchy: the clients' parent. */
    final Dir[] own;

    private final ReentrantLock clientsLock = new ReentrantLock();
    private final Map<String, Client> clients = new HashMap<>();
    private final Set<String> liveRuns = ConcurrentHashMap.newKeySet();
    /** Set for drivers on the host's real tree: keeps the sweep off other live processes' runs. */
    private volatile HostLock hostLock;
    /** The hierarchies' mount points, where {@code <name>} is removed on the last close. */
    private final List<Path> mounts;
    /** Users of this driver (several sandboxes may share one, see CgroupProbe#shared); guarded by CgroupProbe.class. */
    int holders = 1;
    private volatile boolean closed;

    /** One client's directories, shared by its live runs; guarded by {@link #clientsLock}. */
    private static final class Client {
        final String key;
        final Dir[] dirs;
        int refs;

        Client(String key, Dir[] dirs) {
            this.key = key;
            this.dirs = dirs;
        }
    }

    /**
     * Opens (creating where missing) {@code <mount>/<name>} in each hierarchy; {@link #prepareMount} and
     * {@link #prepareRoot} let the subclass enable controllers on the way.
     */
    TreeDriver(CgroupFs fs, String name, List<Path> mounts) {
        this.fs = Objects.requireNonNull(fs, "fs");
        if (name == null || !ROOT_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("bad cgroup name: " + name);
        }
        this.name = name;
        this.mounts = List.copyOf(mounts);
        this.roots = new Dir[mounts.size()];
        this.own = new Dir[mounts.size()];
        try {
            for (int i = 0; i < mounts.size(); i++) {
                Dir mount = fs.openRoot(mounts.get(i));
                try {
                    prepareMount(i, mount);
                    int e = fs.mkdir(mount, name);
                    if (e != 0 && e != Errno.EEXIST) throw new CgroupIoException("mkdir(" + mount.path().resolve(name) + ")", e);
                    roots[i] = fs.openDir(mount, name);
                } finally {
                    fs.close(mount);
                }
                prepareRoot(i, roots[i]);
                int e = fs.mkdir(roots[i], ownName);
                if (e != 0 && e != Errno.EEXIST) throw new CgroupIoException("mkdir(" + roots[i].path().resolve(ownName) + ")", e);
                own[i] = fs.openDir(roots[i], ownName);
                prepareRoot(i, own[i]);
            }
        } catch (RuntimeException e) {
            closeAll(own);
            closeAll(roots);
            throw e;
        }
    }

    /** The subtree name of the process {@code pid}. */
    static String ownerName(long pid) {
        return "p" + pid;
    }

    /** The pid a subtree name stands for, or -1 for a name that is none (a client directory of the old layout). */
    static long ownerPid(String dirName) {
        if (dirName.length() < 2 || dirName.length() > 12 || dirName.charAt(0) != 'p') return -1;
        for (int i = 1; i < dirName.length(); i++) {
            if (dirName.charAt(i) < '0' || dirName.charAt(i) > '9') return -1;
        }
        return Long.parseLong(dirName.substring(1));
    }

    /** For a subclass constructor that fails after this one: releases the root descriptors. */
    void closeRoots() {
        closeAll(own);
        closeAll(roots);
    }

    /** Called with each hierarchy's mount point before {@code <name>} is made in it. */
    void prepareMount(int hierarchy, Dir mount) { }

    /** Called with each hierarchy's {@code <name>} directory once it exists. */
    void prepareRoot(int hierarchy, Dir root) { }

    /** Writes the client's aggregate limits into its freshly opened directories. */
    abstract void configureClient(Dir[] dirs, long memoryBytes, int pids);

    /** Writes the run's limits into its freshly made directories. */
    abstract void configureRun(Dir[] dirs, Limits limits);

    /** The run's CPU time per {@link #CPU_PERIOD_US}, in microseconds. */
    static long cpuQuotaMicros(Limits limits) {
        return limits.cpuMillis() * CPU_PERIOD_US / 1000;
    }

    /** Reads the run's figures. */
    abstract CgroupStats readStats(Dir[] dirs);

    /**
     * One round of killing the given members of a cgroup (entries of {@code dirs} may be null where a
     * leftover lacks a hierarchy). The caller loops until the cgroup is empty.
     */
    abstract void killRound(Dir[] dirs, int[] members);

    /** The run's directory shown by {@link RunCgroup#path()}. */
    abstract String displayPath(Dir[] dirs);

    /** v1 lets a thread move itself by writing 0 to {@code tasks}; v2 has no such per-thread file for domains. */
    abstract boolean offersJoinFiles();

    @Override
    public RunCgroup create(String clientKey, String runId, Limits limits, long clientMemoryBytes, int clientPids) {
        checkName("client key", clientKey);
        checkName("run id", runId);
        Objects.requireNonNull(limits, "limits");
        if (clientMemoryBytes <= 0) throw new IllegalArgumentException("client memory limit must be positive: " + clientMemoryBytes);
        if (clientPids <= 0) throw new IllegalArgumentException("client pids limit must be positive: " + clientPids);
        String live = clientKey + "/" + runId;
        if (!liveRuns.add(live)) throw new SandboxException("run cgroup " + live + " is already in use");
        Client client;
        try {
            client = acquireClient(clientKey, clientMemoryBytes, clientPids);
        } catch (RuntimeException e) {
            liveRuns.remove(live);
            throw e;
        }
        Dir[] dirs = new Dir[roots.length];
        boolean[] made = new boolean[roots.length];
        try {
            for (int i = 0; i < roots.length; i++) {
                int e = fs.mkdir(client.dirs[i], runId);
                if (e == Errno.EEXIST) {
                    throw new SandboxException("run cgroup " + client.dirs[i].path().resolve(runId)
                            + " already exists (a leftover: sweep() removes those at start-up)");
                }
                if (e != 0) throw new CgroupIoException("mkdir(" + client.dirs[i].path().resolve(runId) + ")", e);
                made[i] = true;
                dirs[i] = fs.openDir(client.dirs[i], runId);
            }
            configureRun(dirs, limits);
            return new Run(client, runId, dirs);
        } catch (RuntimeException e) {
            for (int i = 0; i < roots.length; i++) {
                if (dirs[i] != null) fs.close(dirs[i]);
                if (made[i]) fs.rmdir(client.dirs[i], runId);
            }
            releaseClient(client);
            liveRuns.remove(live);
            throw e;
        }
    }

    private static void checkName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1-128 of [A-Za-z0-9_-]: " + value);
        }
    }

    /**
     * The client's directories, made and limited on first use. Creation is idempotent (EEXIST is fine: a
     * leftover, or another process), and happens under a lock so that concurrent first runs of one client
     * neither make it twice nor see it half-configured.
     */
    private Client acquireClient(String key, long memoryBytes, int pids) {
        clientsLock.lock();
        try {
            Client c = clients.get(key);
            if (c == null) {
                Dir[] dirs = new Dir[roots.length];
                try {
                    for (int i = 0; i < roots.length; i++) {
                        int e = fs.mkdir(own[i], key);
                        if (e != 0 && e != Errno.EEXIST) throw new CgroupIoException("mkdir(" + own[i].path().resolve(key) + ")", e);
                        dirs[i] = fs.openDir(own[i], key);
                    }
                    configureClient(dirs, memoryBytes, pids);
                } catch (RuntimeException e) {
                    closeAll(dirs);
                    for (Dir o : own) fs.rmdir(o, key);
                    throw e;
                }
                c = new Client(key, dirs);
                clients.put(key, c);
            }
            c.refs++;
            return c;
        } finally {
            clientsLock.unlock();
        }
    }

    /**
     * Drops one reference; the last one removes the client's directories. EBUSY there is fine: another
     * process (or a leftover) still has a run in it; the next sweep or last run takes it away.
     */
    private void releaseClient(Client c) {
        clientsLock.lock();
        try {
            if (--c.refs > 0) return;
            clients.remove(c.key);
            closeAll(c.dirs);
            for (Dir o : own) fs.rmdir(o, c.key);
        } finally {
            clientsLock.unlock();
        }
    }

    private void closeAll(Dir[] dirs) {
        for (Dir d : dirs) {
            if (d != null) fs.close(d);
        }
    }

    /** The union of the pids listed in cgroup.procs of each (non-null) directory, in first-seen order. */
    int[] members(Dir[] dirs) {
        Set<Integer> pids = new LinkedHashSet<>();
        for (Dir d : dirs) {
            if (d == null) continue;
            String procs;
            try {
                procs = fs.read(d, "cgroup.procs");
            } catch (CgroupIoException e) {
                if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENODEV) continue; // removed meanwhile
                throw e;
            }
            parsePids(procs, pids, d);
        }
        int[] out = new int[pids.size()];
        int i = 0;
        for (int p : pids) out[i++] = p;
        return out;
    }

    private static void parsePids(String procs, Set<Integer> into, Dir d) {
        int n = 0;
        boolean any = false;
        for (int i = 0; i < procs.length(); i++) {
            char ch = procs.charAt(i);
            if (ch >= '0' && ch <= '9') {
                if (n > (Integer.MAX_VALUE - 9) / 10) throw new SandboxException("bad pid in " + d.path().resolve("cgroup.procs"));
                n = n * 10 + (ch - '0');
                any = true;
            } else if (ch == '\n') {
                if (any) into.add(n);
                n = 0;
                any = false;
            } else {
                throw new SandboxException("unexpected character in " + d.path().resolve("cgroup.procs") + ": " + (int) ch);
            }
        }
        if (any) into.add(n);
    }

    /**
     * SIGKILLs those of {@code members} that are still members, safely against pid reuse: it first takes a
     * pidfd of each pid, then lists the cgroup again, and signals only through pidfds whose pid is still
     * listed. A pidfd names one process for good, so a pid that died and was reused between the two looks
     * is either not listed (not signalled) or listed because the new process is a member too, in which case
     * the old pidfd's signal fails with ESRCH and the next round gets the new one.
     */
    void signalMembers(Dir[] dirs, int[] members) {
        int[] handles = new int[members.length];
        Arrays.fill(handles, -1); // never close a descriptor that was not opened here (0 would be stdin)
        try {
            for (int i = 0; i < members.length; i++) handles[i] = fs.openProcess(members[i]);
            Set<Integer> still = new LinkedHashSet<>();
            for (int p : members(dirs)) still.add(p);
            for (int i = 0; i < members.length; i++) {
                if (handles[i] >= 0 && still.contains(members[i])) fs.killProcess(handles[i]);
            }
        } finally {
            for (int h : handles) {
                if (h >= 0) fs.closeProcess(h);
            }
        }
    }

    /** Kill rounds until no member is left, with a short back-off for the dying to finish exiting. */
    void killUntilEmpty(Dir[] dirs, String what) {
        long start = System.nanoTime();
        long pause = 20_000;
        while (true) {
            int[] members = members(dirs);
            if (members.length == 0) return;
            if (System.nanoTime() - start > GIVE_UP_NANOS) {
                throw new SandboxException("processes " + Arrays.toString(members) + " of " + what
                        + " survived SIGKILL for " + TimeUnit.NANOSECONDS.toSeconds(GIVE_UP_NANOS) + " s");
            }
            killRound(dirs, members);
            if (members(dirs).length == 0) return;
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 5_000_000);
        }
    }

    /**
     * rmdir {@code name} under each parent, killing its members and retrying while the kernel says busy:
     * right after the last process is gone from cgroup.procs it may still be exiting (freeing its memory),
     * and the cgroup stays populated until it has. ENOENT counts as removed.
     */
    void removeWithRetry(Dir[] parents, Dir[] dirs, String name, String what) {
        long start = System.nanoTime();
        long pause = 20_000;
        boolean[] done = new boolean[parents.length];
        while (true) {
            int busy = -1;
            for (int i = 0; i < parents.length; i++) {
                if (done[i] || parents[i] == null) {
                    done[i] = true;
                    continue;
                }
                int e = fs.rmdir(parents[i], name);
                if (e == 0 || e == Errno.ENOENT) {
                    done[i] = true;
                } else if (e == Errno.EBUSY) {
                    busy = i;
                } else {
                    throw new CgroupIoException("rmdir(" + parents[i].path().resolve(name) + ")", e);
                }
            }
            if (busy < 0) return;
            if (System.nanoTime() - start > GIVE_UP_NANOS) {
                throw new CgroupIoException("rmdir(" + parents[busy].path().resolve(name) + ") of " + what
                        + ": still busy after " + TimeUnit.NANOSECONDS.toSeconds(GIVE_UP_NANOS) + " s", Errno.EBUSY, null);
            }
            killUntilEmpty(dirs, what);
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 5_000_000);
        }
    }

    /** Makes {@link #sweep()} leave other live processes' subtrees (and the old layout's leftovers while they live) alone. */
    void guardSweepWith(HostLock lock) {
        this.hostLock = lock;
    }

    /**
     * Sweeps this process's own subtree (runs it does not know: a dead process with the same pid left them),
     * every subtree {@code p<pid>} whose process is gone (its byte of the host lock is free, and stays held by
     * us while we sweep, so no new process with that pid can start meanwhile), and what the old layout left
     * directly under {@code <name>} only while no other process uses the name.
     */
    @Override
    public void sweep() {
        HostLock lock = hostLock;
        List<String> failures = new ArrayList<>();
        collect(failures, this::sweepOwn);
        List<String> legacy = new ArrayList<>();
        for (String n : subdirectoriesOfEach(roots)) {
            if (n.equals(ownName)) continue;
            long pid = ownerPid(n);
            if (pid < 0) {
                legacy.add(n);
            } else if (lock == null) {
                collect(failures, () -> purge(roots, n, 0));
            } else {
                collect(failures, () -> lock.ifFree(pid, () -> purge(roots, n, 0)));
            }
        }
        if (!legacy.isEmpty()) {
            Runnable old = () -> legacy.forEach(n -> collect(failures, () -> purge(roots, n, 0)));
            if (lock == null) {
                old.run();
            } else if (!lock.whileAlone(old)) {
                System.getLogger(CgroupDriver.class.getName()).log(System.Logger.Level.WARNING,
                        "not sweeping " + legacy + " under " + describe() + " (the layout before per-process subtrees):"
                        + " another live process uses the name (it holds a lock on " + lock.file() + ")");
            }
        }
        if (!failures.isEmpty()) throw new SandboxException("sweeping " + describe() + " failed: " + String.join("; ", failures));
    }

    private static void collect(List<String> failures, Runnable work) {
        try {
            work.run();
        } catch (SandboxException e) {
            failures.add(e.getMessage());
        }
    }

    @Override
    public void close() {
        if (!CgroupProbe.release(this) || closed) return;
        closed = true;
        HostLock lock = hostLock;
        try {
            removeOwnTree();
            if (lock == null) {
                removeEmptyTree();
            } else {
                // Another process using the name may be about to make a client directory in <name>: its
                // mkdir would fail if <name> vanished under it, so only a process alone with the name removes it.
                lock.whileAlone(this::removeEmptyTree);
            }
        } finally {
            closeAll(own);
            closeAll(roots);
            if (lock != null) lock.release();
        }
    }

    /**
     * rmdir of every empty client directory and then of {@code <name>} in each hierarchy. rmdir never
     * follows a link and refuses a cgroup with processes or children (EBUSY): such leftovers stay for the
     * next start's sweep rather than being killed here.
     */
    private void removeEmptyTree() {
        for (int i = 0; i < roots.length; i++) {
            Dir mount = fs.openRoot(mounts.get(i));
            try {
                fs.rmdir(mount, name); // EBUSY while another process's subtree is in it
            } finally {
                fs.close(mount);
            }
        }
    }

    /** rmdir of this process's empty client directories and of its subtree (EBUSY leaves a busy one for a sweep). */
    private void removeOwnTree() {
        for (int i = 0; i < roots.length; i++) {
            clientsLock.lock();
            try {
                for (String client : fs.subdirectories(own[i])) {
                    if (!clients.containsKey(client)) fs.rmdir(own[i], client);
                }
            } finally {
                clientsLock.unlock();
            }
            fs.rmdir(roots[i], ownName);
        }
    }

    /** The old sweep, within this process's subtree: runs and clients it does not know. */
    private void sweepOwn() {
        List<String> failures = new ArrayList<>();
        for (String clientName : subdirectoriesOfEach(own)) {
            boolean clientLive;
            clientsLock.lock();
            try {
                clientLive = clients.containsKey(clientName);
            } finally {
                clientsLock.unlock();
            }
            Dir[] clientDirs = openEach(own, clientName);
            try {
                for (String runName : subdirectoriesOfEach(clientDirs)) {
                    if (liveRuns.contains(clientName + "/" + runName)) continue;
                    try {
                        purge(clientDirs, runName, 0);
                    } catch (SandboxException e) {
                        failures.add(e.getMessage());
                    }
                }
                if (!clientLive) {
                    // A client this driver does not use: its processes (none expected) die, then it goes.
                    killUntilEmpty(clientDirs, "leftover client " + clientName);
                }
            } catch (SandboxException e) {
                failures.add(e.getMessage());
            } finally {
                closeAll(clientDirs);
            }
            if (!clientLive) {
                clientsLock.lock();
                try {
                    // Re-checked under the lock: a run of this client may have started meanwhile.
                    if (!clients.containsKey(clientName)) {
                        for (Dir o : own) fs.rmdir(o, clientName);
                    }
                } finally {
                    clientsLock.unlock();
                }
            }
        }
        if (!failures.isEmpty()) throw new SandboxException("sweeping " + describe() + " failed: " + String.join("; ", failures));
    }

    /** Kills everything in {@code name} (and any cgroups below it) and removes it from each hierarchy. */
    private void purge(Dir[] parents, String name, int depth) {
        Dir[] dirs = openEach(parents, name);
        try {
            if (depth < 4) {
                for (String child : subdirectoriesOfEach(dirs)) purge(dirs, child, depth + 1);
            }
            String what = "leftover " + displayPath(dirs);
            killUntilEmpty(dirs, what);
            removeWithRetry(parents, dirs, name, what);
        } finally {
            closeAll(dirs);
        }
    }

    /** The union of the subdirectory names of each (non-null) directory, in first-seen order. */
    private Set<String> subdirectoriesOfEach(Dir[] dirs) {
        Set<String> names = new LinkedHashSet<>();
        for (Dir d : dirs) {
            if (d != null) names.addAll(fs.subdirectories(d));
        }
        return names;
    }

    /** Opens {@code name} under each non-null parent; null where it does not exist. */
    private Dir[] openEach(Dir[] parents, String name) {
        Dir[] dirs = new Dir[parents.length];
        for (int i = 0; i < parents.length; i++) {
            if (parents[i] == null) continue;
            try {
                dirs[i] = fs.openDir(parents[i], name);
            } catch (CgroupIoException e) {
                if (e.errno() != Errno.ENOENT) {
                    closeAll(dirs);
                    throw e;
                }
            }
        }
        return dirs;
    }

    /** Throws with the file, the value and the errno when a write fails. */
    void write(Dir dir, String file, String value) {
        int e = fs.write(dir, file, value);
        if (e != 0) throw new CgroupIoException("write(" + dir.path().resolve(file) + ", \"" + value + "\")", e);
    }

    /** The value of a {@code key value} line of a flat-keyed file such as cpu.stat or memory.events. */
    static long keyedValue(String content, String key, Dir dir, String file) {
        int at = 0;
        while (at < content.length()) {
            int eol = content.indexOf('\n', at);
            if (eol < 0) eol = content.length();
            if (content.startsWith(key, at) && at + key.length() < eol && content.charAt(at + key.length()) == ' ') {
                return parseLong(content.substring(at + key.length() + 1, eol), dir, file);
            }
            at = eol + 1;
        }
        throw new SandboxException("no '" + key + "' in " + dir.path().resolve(file));
    }

    /** A non-negative decimal number, as the kernel prints it (a trailing newline allowed). */
    static long parseLong(String text, Dir dir, String file) {
        String t = text.strip();
        if (t.isEmpty() || t.length() > 19) throw new SandboxException("not a number in " + dir.path().resolve(file) + ": '" + t + "'");
        long v = 0;
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            if (ch < '0' || ch > '9') throw new SandboxException("not a number in " + dir.path().resolve(file) + ": '" + t + "'");
            v = v * 10 + (ch - '0');
        }
        if (v < 0) throw new SandboxException("number out of range in " + dir.path().resolve(file) + ": '" + t + "'");
        return v;
    }

    /** The run: its directories in each hierarchy, held open until close. */
    private final class Run implements RunCgroup {
        private final Client client;
        private final String runId;
        private final Dir[] dirs;
        private final String path;
        private final ReentrantLock lock = new ReentrantLock();
        private boolean closed;

        Run(Client client, String runId, Dir[] dirs) {
            this.client = client;
            this.runId = runId;
            this.dirs = dirs;
            this.path = displayPath(dirs);
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public void addProcess(int pid) {
            if (pid <= 0) throw new IllegalArgumentException("bad pid: " + pid);
            lock.lock();
            try {
                if (closed) throw new IllegalStateException("run cgroup " + path + " is closed");
                for (Dir d : dirs) write(d, "cgroup.procs", Integer.toString(pid));
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int[] openJoinFiles() {
            lock.lock();
            try {
                if (closed || !offersJoinFiles()) return new int[0];
                int[] fds = new int[dirs.length];
                for (int i = 0; i < dirs.length; i++) {
                    int fd = fs.openWrite(dirs[i], "tasks");
                    if (fd < 0) {
                        for (int j = 0; j < i; j++) Sys.closeQuietly(fds[j]);
                        throw new CgroupIoException("open(" + dirs[i].path().resolve("tasks") + ")", -fd);
                    }
                    fds[i] = fd;
                }
                return fds;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public CgroupStats stats() {
            lock.lock();
            try {
                if (closed) throw new IllegalStateException("run cgroup " + path + " is closed");
                return readStats(dirs);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (closed) return;
                closed = true;
                try {
                    // Straight to rmdir: a finished run is usually empty already, and rmdir says so (EBUSY
                    // otherwise) without a read of cgroup.procs first.
                    removeWithRetry(client.dirs, dirs, runId, "run " + path);
                } finally {
                    closeAll(dirs);
                    releaseClient(client);
                    liveRuns.remove(client.key + "/" + runId);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String toString() {
            return "RunCgroup[" + path + "]";
        }
    }
}
