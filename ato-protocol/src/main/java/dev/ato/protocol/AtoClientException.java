package dev.ato.protocol;

import java.io.Serial;

/**
 * A client call to an ATO server failed: it could not connect, the server broke the protocol, no reply came in
 * time, or (see the subclasses) the server closed the connection or answered with an HTTP error.
 */
public class AtoClientException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * A failure described by a message.
     *
     * @param message what was being done and what went wrong
     */
    public AtoClientException(String message) {
        super(message);
    }

    /**
     * A failure with its cause.
     *
     * @param message what was being done and what went wrong
     * @param cause the underlying error
     */
    public AtoClientException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The server closed the WebSocket before the run's {@code Done} arrived, e.g. with 1008
     * {@code invalid request: timeout not in range 1-60: 61}, or 1013 when it is too busy.
     */
    public static final class ServerClosed extends AtoClientException {
        @Serial
        private static final long serialVersionUID = 1L;

        private final int code;
        private final String reason;

        /**
         * The close the server sent.
         *
         * @param code the WebSocket close code
         * @param reason the close reason
         */
        public ServerClosed(int code, String reason) {
            super("server closed the connection: " + code + (reason.isEmpty() ? "" : " " + reason));
            this.code = code;
            this.reason = reason;
        }

        /**
         * The WebSocket close code (see {@link CloseCodes}).
         *
         * @return the code
         */
        public int code() {
            return code;
        }

        /**
         * The close reason, e.g. {@code invalid request: no such language: foo}.
         *
         * @return the reason, possibly empty
         */
        public String reason() {
            return reason;
        }
    }

    /**
     * A v0 call was answered with an HTTP status other than 200.
     */
    public static final class HttpStatus extends AtoClientException {
        @Serial
        private static final long serialVersionUID = 1L;

        private final int status;
        private final transient byte[] body;

        /**
         * The status and body received.
         *
         * @param what the call, e.g. {@code POST http://host/api/v0/execute}
         * @param status the HTTP status
         * @param body the response body (capped)
         */
        public HttpStatus(String what, int status, byte[] body) {
            super(what + ": HTTP " + status + bodyText(body));
            this.status = status;
            this.body = body.clone();
        }

        private static String bodyText(byte[] body) {
            String s = new String(body, 0, Math.min(body.length, 200), java.nio.charset.StandardCharsets.UTF_8)
                    .strip();
            return s.isEmpty() ? "" : ": " + s;
        }

        /**
         * The HTTP status.
         *
         * @return the status code
         */
        public int status() {
            return status;
        }

        /**
         * The response body.
         *
         * @return a copy of the body bytes
         */
        public byte[] body() {
            return body.clone();
        }
    }
}
