package dev.ato.sandbox.nativeaccess;

/**
 * Mounts at the level of intent: the classic mount(2) calls and the new mount API (fsopen, open_tree,
 * mount_setattr, move_mount) that builds a mount detached from every tree before attaching it. Each
 * succeeds or throws a {@link NativeException}, except where a method says it answers -1.
 */
public final class Mounts {
    private Mounts() { }

    /** mount(2); the failure names the file system type (or the source of a bind) and the target. */
    public static void mount(String source, String target, String fstype, long flags, String data) {
        if (LibC.mount(source, target, fstype, flags, data) != 0) {
            throw Sys.lastError("mount", (fstype != null ? fstype : source) + ", " + target);
        }
    }

    /** A read-only, nosuid, nodev bind of {@code source} onto {@code target} (a bind ignores MS_RDONLY until remounted). */
    public static void bindReadOnly(String source, String target) {
        mount(source, target, null, LibC.MS_BIND, null);
        mount(null, target, null, LibC.MS_REMOUNT | LibC.MS_BIND | LibC.MS_RDONLY | LibC.MS_NOSUID | LibC.MS_NODEV, null);
    }

    /**
     * A small tmpfs that is mounted nowhere (fsopen/fsconfig/fsmount, Linux 5.2+), holding one executable
     * file, for runs to bind from as {@code /proc/self/fd/N/name}: a bind mount shows its source's path
     * within its filesystem in the container's mountinfo, and here that path is just {@code /name}. Only
     * this process holds the descriptor, so nothing else can reach or change the file.
     *
     * @return the mount's descriptor, or -1 where the kernel lacks the new mount API
     */
    public static int detachedFile(String name, byte[] content) {
        String size = Long.toString(Math.max(64 * 1024, content.length + 64 * 1024L));
        int mnt = detachedMount("tmpfs", new String[] {"size", size, "mode", "0755"}, LibC.MOUNT_ATTR_NOSUID | LibC.MOUNT_ATTR_NODEV);
        if (mnt < 0) return -1;
        int fd = LibC.openat(mnt, name, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0700);
        try {
            if (fd < 0) throw Sys.lastError("openat", "detached tmpfs " + name);
            Sys.writeAll(fd, content, "detached tmpfs " + name);
            if (LibC.fchmod(fd, 0555) != 0) throw Sys.lastError("fchmod", "detached tmpfs " + name);
        } catch (RuntimeException e) {
            LibC.close(mnt);
            throw e;
        } finally {
            Sys.closeQuietly(fd);
        }
        return mnt;
    }

    /**
     * A filesystem mounted nowhere (fsopen/fsconfig/fsmount, Linux 5.2+) with the given string options (key,
     * value pairs), as a close-on-exec mount descriptor.
     *
     * @return the mount's descriptor, or -1 where the kernel lacks the new mount API or refuses an option
     */
    public static int detachedMount(String fstype, String[] options, long attributes) {
        int fs = (int) LibC.syscall(LibC.SYS_FSOPEN, fstype, LibC.FSOPEN_CLOEXEC, 0, 0);
        if (fs < 0) return -1;
        try {
            for (int i = 0; i < options.length; i += 2) {
                if (LibC.syscall(LibC.SYS_FSCONFIG, fs, LibC.FSCONFIG_SET_STRING, options[i], options[i + 1], 0) < 0) return -1;
            }
            if (LibC.syscall(LibC.SYS_FSCONFIG, fs, LibC.FSCONFIG_CMD_CREATE, null, null, 0) < 0) return -1;
            return (int) LibC.syscall(LibC.SYS_FSMOUNT, fs, LibC.FSMOUNT_CLOEXEC, attributes, 0);
        } finally {
            LibC.close(fs);
        }
    }

    /** A read-only overlay of {@code lowerdir} (top layer first) mounted nowhere; fails naming {@code what}. */
    public static int detachedOverlay(String lowerdir, String what) {
        int mnt = detachedMount("overlay", new String[] {"lowerdir", lowerdir},
                LibC.MOUNT_ATTR_RDONLY | LibC.MOUNT_ATTR_NOSUID | LibC.MOUNT_ATTR_NODEV);
        if (mnt < 0) throw Sys.lastError("fsopen/fsconfig/fsmount", "overlay for " + what + " (" + lowerdir + ")");
        return mnt;
    }

    /**
     * A copy of the mount tree at {@code path}, mounted nowhere, whose files' owners are seen through the
     * user namespace {@code usernsFd} (an idmapped mount, Linux 5.12+; on tmpfs 6.3+): an owner that is id N
     * in that namespace shows as the host id N maps to.
     */
    public static int idmappedClone(String path, int usernsFd) {
        int fd = (int) LibC.syscall(LibC.SYS_OPEN_TREE, -100, path, LibC.OPEN_TREE_CLONE | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw Sys.lastError("open_tree", path);
        long[] attr = {LibC.MOUNT_ATTR_IDMAP, 0, 0, usernsFd};
        if (LibC.syscall(LibC.SYS_MOUNT_SETATTR, fd, "", LibC.AT_EMPTY_PATH, attr, 32) < 0) {
            int e = LibC.errno();
            LibC.close(fd);
            throw Sys.failure("mount_setattr(MOUNT_ATTR_IDMAP)", path, e);
        }
        return fd;
    }

    /** Attaches the detached mount {@code fd} at {@code target} in the calling thread's mount namespace. */
    public static void moveMount(int fd, String target) {
        if (LibC.syscall(LibC.SYS_MOVE_MOUNT, fd, "", -100, target, LibC.MOVE_MOUNT_F_EMPTY_PATH) < 0) throw Sys.lastError("move_mount", target);
    }
}
