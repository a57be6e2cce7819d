package dev.ato.protocol;

/**
 * The limits of ATO's protocol, and the caps this implementation puts on what it reads.
 */
public final class ProtocolLimits {
    /** A request (v1 WebSocket message or v0 POST body) is at most 64 KiB, as in ATO. */
    public static final int MAX_REQUEST_BYTES = 65536;
    /** The timeout a request gets when it names none, in seconds. */
    public static final int DEFAULT_TIMEOUT = 60;
    /** The smallest timeout a request may ask for, in seconds. */
    public static final int MIN_TIMEOUT = 1;
    /** The largest timeout a request may ask for, in seconds. */
    public static final int MAX_TIMEOUT = 60;
    /**
     * How deeply containers may nest inside a request before it is refused with {@code depth limit exceeded};
     * rmp-serde's default (1024), so that ATO and this codec accept the same requests.
     */
    public static final int MAX_DEPTH = 1024;
    /** Beyond ATO: the largest {@code output_limit} a request may ask for (ATO's own cap, 128 KiB per stream). */
    public static final int MAX_OUTPUT_LIMIT = 128 * 1024;
    /** Beyond ATO: the most test cases one request may carry. */
    public static final int MAX_CASES = 32;
    /** The largest server message the client assembles from WebSocket frames (ATO's are at most ~16 KiB). */
    public static final int MAX_SERVER_MESSAGE_BYTES = 4 * 1024 * 1024;
    /** The largest v0 response body the client reads. */
    public static final int MAX_V0_RESPONSE_BYTES = 16 * 1024 * 1024;

    private ProtocolLimits() {
    }
}
