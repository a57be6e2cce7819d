package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.nativeaccess.AtFiles;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Processes;
import dev.ato.sandbox.nativeaccess.Sys;
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
        try {
            return new FdDir(absolute, AtFiles.openPathDirectory(LibC.AT_FDCWD, absolute.toString()));
        } catch (NativeException e) {
            throw new CgroupIoException("open(" + absolute + ")", e.errno());
        }
    }

    @Override
    public int mkdir(Dir parent, String name) {
        try {
            AtFiles.mkdir(fd(parent, name), name, 0755);
            return 0;
        } catch (NativeException e) {
            return e.errno();
        }
    }

    @Override
    public Dir openDir(Dir parent, String name) {
        try {
            return new FdDir(parent.path().resolve(name), AtFiles.openPathDirectory(fd(parent, name), name));
        } catch (NativeException e) {
            throw new CgroupIoException("open(" + parent.path().resolve(name) + ")", e.errno());
        }
    }

    @Override
    public int rmdir(Dir parent, String name) {
        try {
            AtFiles.rmdir(fd(parent, name), name);
            return 0;
        } catch (NativeException e) {
            return e.errno();
        }
    }

    @Override
    public int write(Dir dir, String file, String value) {
        try {
            int fd = AtFiles.open(fd(dir, file), file, LibC.O_WRONLY);
            try {
                // One write(): cgroup files parse each write as a whole, a split value would be two values.
                Sys.writeOnce(fd, value.getBytes(StandardCharsets.US_ASCII), file);
                return 0;
            } finally {
                Sys.closeQuietly(fd);
            }
        } catch (NativeException e) {
            return e.errno();
        }
    }

    @Override
    public int openWrite(Dir dir, String file) {
        try {
            return AtFiles.open(fd(dir, file), file, LibC.O_WRONLY);
        } catch (NativeException e) {
            return -e.errno();
        }
    }

    @Override
    public String read(Dir dir, String file) {
        int fd;
        try {
            fd = AtFiles.open(fd(dir, file), file, LibC.O_RDONLY);
        } catch (NativeException e) {
            throw new CgroupIoException("open(" + dir.path().resolve(file) + ")", e.errno());
        }
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
                int n;
                try {
                    n = Sys.read(fd, buf, len, file);
                } catch (NativeException e) {
                    throw new CgroupIoException("read(" + dir.path().resolve(file) + ")", e.errno());
                }
                if (n == 0) break;
                len += n;
            }
            return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
        } finally {
            Sys.closeQuietly(fd);
        }
    }

    @Override
    public boolean exists(Dir dir, String file) {
        return AtFiles.exists(fd(dir, file), file);
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
        Sys.closeQuietly(((FdDir) dir).fd());
    }

    @Override
    public int openProcess(int pid) {
        if (noPidfd) return pid;
        int fd = Processes.tryPidfdOpen(pid);
        if (fd >= 0) return fd;
        if (-fd == Errno.ENOSYS) {
            // Kernel < 5.3: fall back to the pid itself; the caller's second look at cgroup.procs
            // then narrows, but cannot close, the window in which the pid could be reused.
            noPidfd = true;
            return pid;
        }
        return fd;
    }

    @Override
    public int killProcess(int handle) {
        return Processes.trySigkill(handle, !noPidfd);
    }

    @Override
    public void closeProcess(int handle) {
        if (!noPidfd) Sys.closeQuietly(handle);
    }

    private static int fd(Dir dir, String name) {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("not a single path component: '" + name + "'");
        }
        return ((FdDir) dir).fd();
    }
}
