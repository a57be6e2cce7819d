package dev.ato.sandbox.cgroup;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * The file and process operations the drivers make, behind one seam so that the driver logic can be
 * exercised against a fake tree where the kernel lacks a controller. {@link KernelFs} is the real one.
 * Every name handed in is a single path component; no operation follows a symlink in the last component.
 */
interface CgroupFs {
    /** A directory of a cgroup tree, held open by the implementation until {@link #close(Dir)}. */
    interface Dir {
        /** For messages and for listing; the operations themselves go through the open handle. */
        Path path();
    }

    /** Opens an existing absolute directory (a mount point or a directory below one). */
    Dir openRoot(Path absolute);

    /** mkdir: 0, or the errno (EEXIST when it already exists). */
    int mkdir(Dir parent, String name);

    /** Opens a subdirectory; throws {@link CgroupIoException} (with its errno) when it cannot. */
    Dir openDir(Dir parent, String name);

    /** rmdir: 0, or the errno (ENOENT gone, EBUSY still has processes or children). */
    int rmdir(Dir parent, String name);

    /** Writes {@code value} with a single write(); 0, or the errno of the open or the write. */
    int write(Dir dir, String file, String value);

    /** Opens a control file for writing (close-on-exec): the descriptor, or minus the errno. */
    int openWrite(Dir dir, String file);

    /** The whole content of a small control file; throws {@link CgroupIoException} when it cannot. */
    String read(Dir dir, String file);

    /** Whether the control file exists (the kernel creates only the files of enabled controllers). */
    boolean exists(Dir dir, String file);

    /** Names of the subdirectories (child cgroups). */
    List<String> subdirectories(Dir dir);

    /** The O_PATH descriptor of the directory, where the implementation has one. */
    OptionalInt fd(Dir dir);

    /** Releases the handle; idempotent per handle is not required, callers close once. */
    void close(Dir dir);

    /** A stable handle to process {@code pid} (a pidfd), or a negative errno when it is gone. */
    int openProcess(int pid);

    /** SIGKILL through a handle from {@link #openProcess}: 0, or the errno (ESRCH: already dead). */
    int killProcess(int handle);

    /** Releases a handle from {@link #openProcess}. */
    void closeProcess(int handle);
}
