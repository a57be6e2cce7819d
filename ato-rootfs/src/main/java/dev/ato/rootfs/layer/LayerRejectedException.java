package dev.ato.rootfs.layer;

import dev.ato.rootfs.ImageException;

/** A layer that is hostile, malformed or over its size cap; nothing of it is published. */
public final class LayerRejectedException extends ImageException {
    /** A rejection with a message naming the entry and the rule it broke. */
    public LayerRejectedException(String message) {
        super(Kind.REJECTED_CONTENT, message);
    }
}
