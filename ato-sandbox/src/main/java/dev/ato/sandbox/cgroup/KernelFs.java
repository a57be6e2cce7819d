package dev.ato.sandbox.cgroup;

import static dev.ato.sandbox.sys.LibC.*;

import dev.ato.sandbox.sys.Errno;
import dev.ato.sandbox.sys.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

/**
 * {@link CgroupFs} on the real kernel: every directory is an O_PATH descriptor, every file operation an
 * openat() relative to it with O_NOFOLLOW. Working relative to descriptors opened once also keeps the
 * drivers pointed at the host's tree even if the calling thread's root were changed later.
 */
final class KernelFs implements CgroupFs {
    /** Control files are small; cgroup.procs of a run is bounded by its pids limit. Anything past this is refused. */
    static final int MAX_READ = 1 << 20;

    static final KernelFs INSTANCE = new KernelFs();

    private static volatile boolean noPidfd;

    record FdDir(Path path, int fd) implements Dir { }

    private KernelFs() { }

    @Override
    public Dir openRoot(Path absolute) {
        if (!absolute.isAbsolute()) throw new IllegalArgumentException("not absolute: " + absolute);
        int fd = open(absolute.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd < 0) throw new CgroupIoException("open(" + absolute + ")", errno());
        return new FdDir(absolute, fd);
    }

    @Override
    public int mkdir(Dir parent, String name) {
        return mkdirat(fd(parent, name), name, 0755) == 0 ? 0 : errno();
    }

    @Override
    public Dir openDir(Dir parent, String name) {
        int fd = openat(fd(parent, name), name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd < 0) throw new CgroupIoException("open(" + parent.path().resolve(name) + ")", errno());
        return new FdDir(parent.path().resolve(name), fd);
    }

    @Override
    public int rmdir(Dir parent, String name) {
        return unlinkat(fd(parent, name), name, AT_REMOVEDIR) == 0 ? 0 : errno();
    }

    @Override
    public int write(Dir dir, String file, String value) {
        int fd = openat(fd(dir, file), file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd < 0) return errno();
        try {
            byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
            // One write(): cgroup files parse each write as a whole, a split value would be two values.
            long n = LibC.write(fd, bytes, bytes.length);
            if (n < 0) return errno();
            return n == bytes.length ? 0 : Errno.EIO_SHORT;
        } finally {
            LibC.close(fd);
        }
    }

    @Override
    public int openWrite(Dir dir, String file) {
        int fd = openat(fd(dir, file), file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
        return fd >= 0 ? fd : -errno();
    }

    @Override
    public String read(Dir dir, String file) {
        int fd = openat(fd(dir, file), file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW, 0);
        if (fd < 0) throw new CgroupIoException("open(" + dir.path().resolve(file) + ")", errno());
        try {
            byte[] buf = new byte[4096];
            int len = 0;
            while (true) {
                if (len == buf.length) {
                    if (buf.length >= MAX_READ) {
                        throw new CgroupIoException("read(" + dir.path().resolve(file) + "): larger than "
                                + MAX_READ + " bytes", Errno.EINVAL, null);
                    }
                    buf = Arrays.copyOf(buf, Math.min(buf.length * 4, MAX_READ));
                }
                long n = readAt(fd, buf, len);
                if (n < 0) {
                    int e = errno();
                    if (e == Errno.EINTR) continue;
                    throw new CgroupIoException("read(" + dir.path().resolve(file) + ")", e);
                }
                if (n == 0) break;
                len += (int) n;
            }
            return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
        } finally {
            LibC.close(fd);
        }
    }

    /** read() into buf at offset: direct mapping passes whole arrays, so read into a scratch array past the first call. */
    private static long readAt(int fd, byte[] buf, int offset) {
        if (offset == 0) return LibC.read(fd, buf, buf.length);
        byte[] scratch = new byte[buf.length - offset];
        long n = LibC.read(fd, scratch, scratch.length);
        if (n > 0) System.arraycopy(scratch, 0, buf, offset, (int) n);
        return n;
    }

    @Override
    public boolean exists(Dir dir, String file) {
        return faccessat(fd(dir, file), file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
    }

    @Override
    public List<String> subdirectories(Dir dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir.path())) {
            for (Path p : entries) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) names.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new CgroupIoException("list(" + dir.path() + "): " + e, Errno.EINVAL, e);
        }
        return names;
    }

    @Override
    public OptionalInt fd(Dir dir) {
        return OptionalInt.of(((FdDir) dir).fd());
    }

    @Override
    public void close(Dir dir) {
        LibC.close(((FdDir) dir).fd());
    }

    @Override
    public int openProcess(int pid) {
        if (noPidfd) return pid;
        long fd = syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
        if (fd >= 0) return (int) fd;
        int e = errno();
        if (e == Errno.ENOSYS) {
            // Kernel < 5.3: fall back to the pid itself; the caller's second look at cgroup.procs
            // then narrows, but cannot close, the window in which the pid could be reused.
            noPidfd = true;
            return pid;
        }
        return -e;
    }

    @Override
    public int killProcess(int handle) {
        if (noPidfd) return kill(handle, SIGKILL) == 0 ? 0 : errno();
        return syscall(SYS_PIDFD_SEND_SIGNAL, handle, SIGKILL, 0, 0) == 0 ? 0 : errno();
    }

    @Override
    public void closeProcess(int handle) {
        if (!noPidfd) LibC.close(handle);
    }

    private static int fd(Dir dir, String name) {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a single path component: '" + name + "'");
        }
        return ((FdDir) dir).fd();
    }
}
