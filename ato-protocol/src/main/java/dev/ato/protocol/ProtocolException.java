package dev.ato.protocol;

import java.io.Serial;

/**
 * A message that does not follow ATO's wire protocol, or a request that ATO would refuse.
 *
 * <p>{@link #getMessage()} is the reason meant for the client, in ATO's words (for example
 * {@code found extra data}, {@code timeout not in range 1-60: 61}, {@code argument contains null byte}).
 * A server closes the WebSocket with {@link #closeCode()} and {@link #closeReason()}; for an ordinary invalid
 * request that is {@code 1008 invalid request: <message>}, as ATO does.
 */
public final class ProtocolException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int closeCode;

    /**
     * An invalid request or message: the server answers with close code 1008 (policy violation).
     *
     * @param message the client-facing reason, without the {@code invalid request: } prefix
     */
    public ProtocolException(String message) {
        this(CloseCodes.POLICY_VIOLATION, message);
    }

    /**
     * A protocol error answered with a specific WebSocket close code.
     *
     * @param closeCode the WebSocket close code a server should send (1003, 1008, 1009 ...)
     * @param message the client-facing reason
     */
    public ProtocolException(int closeCode, String message) {
        super(message, null, false, false);
        this.closeCode = closeCode;
    }

    /**
     * Reports a message larger than the request limit, in ATO's words, with close code 1009.
     *
     * @param size the size of the message received, in bytes
     * @param limit the limit, in bytes
     * @return the exception to throw
     */
    public static ProtocolException tooLarge(long size, long limit) {
        return new ProtocolException(CloseCodes.TOO_LARGE,
                "received message of size " + size + ", greater than size limit " + limit);
    }

    /**
     * The WebSocket close code a server should answer this error with.
     *
     * @return 1008 for an invalid request, 1009 for a message that is too large, 1003 for a text message
     */
    public int closeCode() {
        return closeCode;
    }

    /**
     * The close reason a server should send: {@code invalid request: <message>} for code 1008 (ATO's form),
     * the bare message otherwise. WebSocket close reasons are limited to 123 bytes of UTF-8, so the reason is
     * shortened on a character boundary where needed.
     *
     * @return the reason text, at most 123 bytes in UTF-8
     */
    public String closeReason() {
        String reason = closeCode == CloseCodes.POLICY_VIOLATION ? "invalid request: " + getMessage() : getMessage();
        return CloseCodes.truncateReason(reason);
    }
}
