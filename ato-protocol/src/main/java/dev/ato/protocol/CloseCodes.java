package dev.ato.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The WebSocket close codes ATO's server uses (RFC 6455 section 7.4.1, plus 1013 from the IANA registry).
 */
public final class CloseCodes {
    /** The run or the session ended normally. */
    public static final int NORMAL = 1000;
    /** The client sent a text message; ATO accepts binary messages only ({@code expected a binary message}). */
    public static final int UNSUPPORTED_DATA = 1003;
    /** The request was invalid: the reason is {@code invalid request: <message>}. */
    public static final int POLICY_VIOLATION = 1008;
    /** The message was larger than {@link ProtocolLimits#MAX_REQUEST_BYTES}. */
    public static final int TOO_LARGE = 1009;
    /** The server failed internally; the reason says what was being done. */
    public static final int INTERNAL_ERROR = 1011;
    /** The server is overloaded (or this client has too many runs): try again later. */
    public static final int TRY_AGAIN_LATER = 1013;

    /** RFC 6455 section 5.5: a control frame payload is at most 125 bytes, 2 of them the code. */
    public static final int MAX_REASON_BYTES = 123;

    private CloseCodes() {
    }

    /**
     * Shortens a close reason to {@link #MAX_REASON_BYTES} bytes of UTF-8 without splitting a character.
     *
     * @param reason the reason text
     * @return the reason, or its longest prefix that fits
     */
    public static String truncateReason(String reason) {
        if (reason.getBytes(StandardCharsets.UTF_8).length <= MAX_REASON_BYTES) {
            return reason;
        }
        int bytes = 0;
        int i = 0;
        while (i < reason.length()) {
            int cp = reason.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > MAX_REASON_BYTES) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return reason.substring(0, i);
    }
}
