package dev.ato.languages;

/** The catalog is inconsistent: an entry without a runner, a runner without an entry, a missing field. */
public class CatalogException extends RuntimeException {
    /** An error with a message naming the culprit. */
    public CatalogException(String message) {
        super(message);
    }

    /** An error with a message naming the culprit, caused by {@code cause}. */
    public CatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
