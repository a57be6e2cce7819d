package dev.ato.sandbox.linux;

import dev.ato.sandbox.Image;
import dev.ato.sandbox.Limits;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.Mounts;
import dev.ato.sandbox.nativeaccess.Namespaces;
import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Processes;
import dev.ato.sandbox.nativeaccess.Sys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds one run's container and spawns its init, on the calling platform thread, which this class moves
 * into new mount, UTS, IPC, network and PID namespaces and back again before it returns.
 *
 * <p>The network namespace usually comes ready-made from {@link NetnsPool}.
 *
 * <p>Why the thread can do this: unshare(2) of these namespaces is per thread (CLONE_NEWNS implies
 * CLONE_FS, so the thread gets its own root, cwd and umask), and a PID namespace only applies to the
 * thread's future children. Only the user namespace needs a single-threaded process; the init makes that.
 * Everything created here lives in the new mount namespace: the host never sees a mount, and all of it
 * vanishes with the run's last process.
 */
final class Container {
    /** Namespaces the JVM thread makes; the init adds the user and cgroup namespaces itself. */
    static final int THREAD_NAMESPACES =
            LibC.CLONE_NEWNS | LibC.CLONE_NEWUTS | LibC.CLONE_NEWIPC | LibC.CLONE_NEWNET | LibC.CLONE_NEWPID;

    private static final String[] DEVICES = {"null:1:3", "zero:1:5", "full:1:7", "random:1:8", "urandom:1:9", "tty:5:0"};

    /** What the container holds in /ATO, and how to start it. */
    record Request(
            Image image,
            byte[] code,
            byte[] input,
            byte[] arguments,
            byte[] options,
            byte[] runnerScript,
            List<String> argv,
            List<String> env,
            String hostname,
            Limits limits,
            int stdinPipe) { }

    private Container() { }

    /**
     * Assembles the container and spawns the init with {@code stdout, stderr, control, status} as its
     * descriptors 1 to 4 (0 is /ATO/input, or the request's {@code stdinPipe} when it is not -1; 5 the new root), and after them the descriptors {@code join}
     * supplies (the run's cgroup files the init moves itself in with; asked for only right before the spawn,
     * so that making the cgroup elsewhere overlaps with building the container). Returns on the host's
     * namespaces, also when it throws.
     *
     * @param skeleton   the host image's lower layer, owned by {@code uid:gid}
     * @param layerIdmap a user namespace through which store images' layers are seen (their owners shifted from
     *                   uid slot 0 to the run's slot), or -1 to use them as they are
     * @return the init's pid
     */
    static int spawn(HostSetup host, HostNamespaces hostNs, NetnsPool netns, int uid, int gid, Path skeleton, int layerIdmap,
            Request req, int[] childFds, java.util.function.Supplier<int[]> join) {
        int oldUmask = -1;
        boolean unshared = false;
        int pid = -1;
        int net = netns.take();
        try {
            Namespaces.unshare(net >= 0 ? THREAD_NAMESPACES & ~LibC.CLONE_NEWNET : THREAD_NAMESPACES);
            unshared = true;
            if (net >= 0) Namespaces.setns(net, LibC.CLONE_NEWNET, "pooled network namespace");
            oldUmask = Processes.umask(0);
            pid = assembleAndSpawn(host, uid, gid, skeleton, layerIdmap, req, childFds, join, net < 0);
            return pid;
        } finally {
            if (oldUmask >= 0) Processes.umask(oldUmask);
            Sys.closeQuietly(net);
            if (unshared) {
                try {
                    hostNs.restore();
                } catch (HostNamespaces.StrandedThreadError e) {
                    // Nobody else knows the init: end it here (signals and wait need no filesystem).
                    if (pid > 0) {
                        Processes.kill(pid);
                        Processes.reap(pid);
                    }
                    throw e;
                }
            }
        }
    }

    private static int assembleAndSpawn(HostSetup host, int uid, int gid, Path skeleton, int layerIdmap, Request req,
            int[] childFds, java.util.function.Supplier<int[]> join, boolean ownNetwork) {
        long tmpfs = req.limits().tmpfsBytes();
        String upper = host.upperMount.toString();
        String root = host.rootMount.toString();
        // Copies of shared mounts would propagate our mounts back to the host; pivot_root refuses them too.
        Mounts.mount(null, "/", null, LibC.MS_REC | LibC.MS_PRIVATE, null);

        Mounts.mount("tmpfs", upper, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "size=" + tmpfs + ",mode=0700");
        Sys.mkdirOwned(upper + "/u", 0755, uid, gid); // the root directory of the container, container root's
        Sys.mkdir(upper + "/w", 0700);
        // The overlay's directories go by /proc/self/fd/N: the kernel shows the strings given here in the
        // container's /proc/self/mountinfo, and host paths (the state directory, the layer store) are none
        // of the program's business. It also lifts overlayfs's ban on ':' and ',' in layer paths, and keeps
        // many layers within the one page of mount options.
        Image image = req.image();
        List<Integer> dirFds = new ArrayList<>();
        try {
            int upperFd = Sys.openPath(upper, true);
            dirFds.add(upperFd);
            StringBuilder lower = new StringBuilder();
            List<Path> layers = image.hostImage() ? List.of(skeleton) : image.layers();
            boolean idmapped = !image.hostImage() && layerIdmap >= 0;
            for (int i = layers.size() - 1; i >= 0; i--) { // overlayfs lists the top layer first
                int fd = idmapped ? idmappedLayer(layers.get(i), layerIdmap, upper + "/l" + i) : Sys.openPath(layers.get(i).toString(), false);
                dirFds.add(fd);
                if (lower.length() > 0) lower.append(':');
                lower.append("/proc/self/fd/").append(fd);
            }
            Mounts.mount("overlay", root, "overlay", LibC.MS_NOSUID | LibC.MS_NODEV, "lowerdir=" + lower
                    + ",upperdir=/proc/self/fd/" + upperFd + "/u,workdir=/proc/self/fd/" + upperFd + "/w");
        } finally {
            for (int fd : dirFds) Sys.closeQuietly(fd);
        }
        if (image.hostImage()) {
            for (String d : host.hostBinds) host.hostMask.mountHostDir(d, root + "/" + d);
            for (String p : image.hostPaths()) {
                if (!java.nio.file.Files.isDirectory(Path.of(p), java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                mountPoints(root, p, uid, gid);
                Mounts.bindReadOnly(p, root + p);
            }
        } else {
            for (String d : List.of("proc", "dev", "tmp", "ATO")) mountPoint(root + "/" + d);
        }

        String ato = root + "/ATO";
        Mounts.mount("tmpfs", ato, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV,
                "size=" + tmpfs + ",mode=0755,uid=" + uid + ",gid=" + gid);
        Sys.writeNewFile(ato + "/code", req.code(), 0644, uid, gid);
        if (req.stdinPipe() < 0) {
            Sys.writeNewFile(ato + "/input", req.input(), 0644, uid, gid);
        } else {
            // Interactive: the runner's "< /ATO/input" reopens the init's stdin pipe (never blocks, unlike a FIFO).
            Sys.symlink("/proc/self/fd/0", ato + "/input");
        }
        Sys.writeNewFile(ato + "/arguments", req.arguments(), 0644, uid, gid);
        Sys.writeNewFile(ato + "/options", req.options(), 0644, uid, gid);
        if (req.runnerScript() != null) Sys.writeNewFile(ato + "/runner", req.runnerScript(), 0755, uid, gid);
        Sys.mkdirOwned(ato + "/context", 0755, uid, gid);
        Sys.writeNewFile(ato + "/bash", new byte[0], 0755, 0, 0);
        Mounts.bindReadOnly(HostSetup.BASH_STATIC.toString(), ato + "/bash");
        if (host.yargsSource != null) {
            Sys.writeNewFile(ato + "/yargs", new byte[0], 0755, 0, 0);
            Mounts.bindReadOnly(host.yargsSource, ato + "/yargs");
        } else {
            Sys.writeNewFile(ato + "/yargs", host.yargsCopy, 0555, 0, 0); // 48 KiB, on kernels before binds from detached mounts
        }

        Mounts.mount("tmpfs", root + "/tmp", "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "size=" + tmpfs + ",mode=1777");

        String dev = root + "/dev";
        Mounts.mount("tmpfs", dev, "tmpfs", LibC.MS_NOSUID | LibC.MS_NOEXEC, "size=64k,nr_inodes=64,mode=0755");
        for (String d : DEVICES) {
            String[] f = d.split(":");
            Sys.mknodChar(dev + "/" + f[0], 0666, Integer.parseInt(f[1]), Integer.parseInt(f[2]));
        }
        Sys.mkdir(dev + "/pts", 0755);
        Mounts.mount("devpts", dev + "/pts", "devpts", LibC.MS_NOSUID | LibC.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620");
        Sys.symlink("pts/ptmx", dev + "/ptmx");
        Sys.mkdir(dev + "/shm", 0755);
        Mounts.mount("tmpfs", dev + "/shm", "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "size=" + tmpfs + ",mode=1777");
        Sys.mkdir(dev + "/mqueue", 0755);
        Mounts.mount("mqueue", dev + "/mqueue", "mqueue", LibC.MS_NOSUID | LibC.MS_NODEV | LibC.MS_NOEXEC, null);
        Sys.symlink("/proc/self/fd", dev + "/fd");
        Sys.symlink("/proc/self/fd/0", dev + "/stdin");
        Sys.symlink("/proc/self/fd/1", dev + "/stdout");
        Sys.symlink("/proc/self/fd/2", dev + "/stderr");

        Namespaces.sethostname(req.hostname());
        if (ownNetwork) Namespaces.readyNetwork(); // a pooled namespace has lo up already

        int stdin = req.stdinPipe() < 0 ? Sys.openRead(ato + "/input") : -1;
        int rootFd = -1;
        try {
            rootFd = Sys.openPath(root, true);
            int[] joinFds = join.get();
            int[] fds = new int[childFds.length + 2 + joinFds.length];
            fds[0] = stdin >= 0 ? stdin : req.stdinPipe();
            System.arraycopy(childFds, 0, fds, 1, childFds.length);
            fds[childFds.length + 1] = rootFd;
            System.arraycopy(joinFds, 0, fds, childFds.length + 2, joinFds.length);
            List<String> argv = new ArrayList<>();
            argv.add("ato-init");
            argv.add(Integer.toString(joinFds.length));
            argv.addAll(req.argv());
            return Processes.spawn(host.initPath, argv, req.env(), fds);
        } finally {
            Sys.closeQuietly(stdin);
            Sys.closeQuietly(rootFd);
        }
    }

    /**
     * The directories of {@code path} (absolute and normal) under {@code root}, made where missing, owned by
     * container root as the skeleton's own are; one that is there but not a directory (a symlink) is refused.
     */
    private static void mountPoints(String root, String path, int uid, int gid) {
        StringBuilder dir = new StringBuilder(root);
        for (String part : path.substring(1).split("/")) {
            dir.append('/').append(part);
            String d = dir.toString();
            if (Sys.tryMkdir(d, 0755)) {
                Sys.lchown(d, uid, gid);
            } else {
                mountPoint(d);
            }
        }
    }

    /**
     * An idmapped copy of a layer, attached at {@code at} in the run's mount namespace (overlayfs refuses
     * layers on detached mounts before Linux 6.15), opened O_PATH.
     */
    private static int idmappedLayer(Path layer, int userns, String at) {
        int clone;
        try {
            clone = Mounts.idmappedClone(layer.toString(), userns);
        } catch (dev.ato.sandbox.nativeaccess.NativeException e) {
            if (e.errno() != dev.ato.sandbox.nativeaccess.Errno.EINVAL) throw e;
            throw new SandboxException(e.getMessage() + ": the filesystem of the image store cannot be idmapped on"
                    + " this kernel (tmpfs before Linux 6.3, overlayfs): keep the store on ext4, xfs or btrfs, or"
                    + " run with one uid slot", e);
        }
        try {
            Sys.mkdir(at, 0700);
            Mounts.moveMount(clone, at);
        } finally {
            Sys.closeQuietly(clone);
        }
        return Sys.openPath(at, true);
    }

    /** A directory to mount on in an image's root: made if missing, refused if the image put a symlink there. */
    private static void mountPoint(String path) {
        if (Sys.tryMkdir(path, 0755)) return;
        try {
            Sys.closeQuietly(Sys.openDirectory(path));
        } catch (NativeException e) {
            throw new SandboxException("the image's " + path.substring(path.lastIndexOf('/'))
                    + " is not a directory (a symlink?): " + Errno.name(e.errno()));
        }
    }
}
