package dev.ato.sandbox.nativeaccess;

/**
 * errno values the sandbox and the image store act on, and the one table of names their messages use
 * (x86_64 Linux numbers), so a failure reads the same from the container code, the cgroup drivers and layer
 * extraction.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    /** Not a kernel errno: a write() that took fewer bytes than given. */
    public static final int EIO_SHORT = -1;

    private Errno() { }

    /**
     * The symbolic name of an errno for a message.
     *
     * @param errno an errno value, or {@link #EIO_SHORT}
     * @return "EBUSY" for 16, "short write" for {@link #EIO_SHORT}, "errno N" for what this table lacks
     */
    public static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case ESRCH -> "ESRCH";
            case EINTR -> "EINTR";
            case 5 -> "EIO";
            case 7 -> "E2BIG";
            case 8 -> "ENOEXEC";
            case EBADF -> "EBADF";
            case 10 -> "ECHILD";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case 14 -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case 18 -> "EXDEV";
            case ENODEV -> "ENODEV";
            case ENOTDIR -> "ENOTDIR";
            case EISDIR -> "EISDIR";
            case EINVAL -> "EINVAL";
            case 23 -> "ENFILE";
            case 24 -> "EMFILE";
            case 25 -> "ENOTTY";
            case 27 -> "EFBIG";
            case ENOSPC -> "ENOSPC";
            case EROFS -> "EROFS";
            case 32 -> "EPIPE";
            case 34 -> "ERANGE";
            case 36 -> "ENAMETOOLONG";
            case ENOSYS -> "ENOSYS";
            case ENOTEMPTY -> "ENOTEMPTY";
            case ELOOP -> "ELOOP";
            case 87 -> "EUSERS";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EAFNOSUPPORT -> "EAFNOSUPPORT";
            case EIO_SHORT -> "short write";
            default -> "errno " + errno;
        };
    }
}
