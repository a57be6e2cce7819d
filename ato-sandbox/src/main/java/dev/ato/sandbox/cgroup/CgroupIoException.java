package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.nativeaccess.Errno;

/** A failed operation on a cgroup file system, carrying the errno so callers can tell "gone" from "busy". */
final class CgroupIoException extends SandboxException {
    private final int errno;

    CgroupIoException(String operation, int errno) {
        super(operation + ": " + Errno.name(errno));
        this.errno = errno;
    }

    CgroupIoException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    int errno() {
        return errno;
    }
}
