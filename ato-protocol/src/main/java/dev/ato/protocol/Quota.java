package dev.ato.protocol;

/**
 * Beyond ATO: the client's admission state when an answer was made: how many runs it may have going at once, and
 * how many more it may start now. Sent as the Done field {@code quota} ({@code {"limit": n, "remaining": n}}) when
 * the request set {@code want_quota}, and as the {@code RateLimit-Limit} / {@code RateLimit-Remaining} headers of
 * every HTTP answer.
 *
 * @param limit runs of one client at once
 * @param remaining of those, free now
 */
public record Quota(int limit, int remaining) {
    /**
     * Checks the figures.
     */
    public Quota {
        if (limit < 0 || remaining < 0) {
            throw new IllegalArgumentException("negative quota: " + limit + "/" + remaining);
        }
    }
}
