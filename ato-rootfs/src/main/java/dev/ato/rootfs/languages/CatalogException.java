package dev.ato.rootfs.languages;

/** The catalog is inconsistent: an entry without a runner, a runner without an entry, a missing field. */
public class CatalogException extends RuntimeException {
    public CatalogException(String message) {
        super(message);
    }

    public CatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
