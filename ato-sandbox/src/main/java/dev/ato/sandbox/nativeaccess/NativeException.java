package dev.ato.sandbox.nativeaccess;

import dev.ato.sandbox.SandboxException;

/**
 * A failed libc call: its message names the call, what it was applied to and the errno's name, e.g.
 * {@code mount(overlay, /run/ato/3f2c/root): EINVAL}; {@link #errno()} lets a caller act on the cause
 * (an {@code EEXIST} that is fine, an {@code ENOENT} that means "gone already").
 */
public final class NativeException extends SandboxException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    /**
     * A failure of {@code call} on {@code what} with {@code errno}.
     *
     * @param call the call as a reader knows it, e.g. {@code "mount"} or {@code "fcntl(F_ADD_SEALS)"}
     * @param what the path, descriptor or name it was applied to
     * @param errno the errno, or {@link Errno#EIO_SHORT}
     */
    public NativeException(String call, String what, int errno) {
        super(call + "(" + what + "): " + Errno.name(errno));
        this.call = call;
        this.errno = errno;
    }

    /** The errno the call failed with. */
    public int errno() {
        return errno;
    }

    /** The call that failed, as the message names it. */
    public String call() {
        return call;
    }
}
