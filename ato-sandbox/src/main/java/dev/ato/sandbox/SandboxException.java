package dev.ato.sandbox;

/**
 * The one unchecked exception of the sandbox: the host lacks something, a system call failed, or the
 * sandbox was misused. The message says what was being done, e.g.
 * {@code mount(overlay, /run/ato/3f2c/root): EINVAL}.
 */
public class SandboxException extends RuntimeException {
    /** An error with a message that says what was being done. */
    public SandboxException(String message) {
        super(message);
    }

    /** An error with a message and the failure that caused it. */
    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
