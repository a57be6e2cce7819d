package dev.ato.rootfs;

/**
 * The one unchecked failure of the image machinery. The message says what was being attempted (which
 * reference, registry, layer or file) and why it failed; {@link #kind()} lets callers map it to a reply.
 */
public class ImageException extends RuntimeException {
    /** What went wrong, coarsely, for callers that must react differently (e.g. an HTTP status). */
    public enum Kind {
        /** A reference, recipe or file the caller gave is malformed. */
        INVALID_INPUT,
        /** The registry or store has no such image. */
        NOT_FOUND,
        /** The registry refused the credentials, or needs some and none are configured. */
        UNAUTHORIZED,
        /** Content did not match its digest, or a layer is hostile or over a configured size. */
        REJECTED_CONTENT,
        /** Talking to the registry failed after every retry. */
        NETWORK,
        /** A local file-system operation or a helper program failed. */
        IO
    }

    private final Kind kind;

    /** An error of the given kind with a message that names the operation and the object involved. */
    public ImageException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** An error of the given kind caused by another exception. */
    public ImageException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** The coarse class of the failure. */
    public Kind kind() {
        return kind;
    }
}
