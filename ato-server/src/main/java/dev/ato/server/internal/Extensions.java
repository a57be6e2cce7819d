package dev.ato.server.internal;

import io.helidon.common.uri.UriQuery;

/**
 * Whether a client asked for the fields the server adds to Done on its own ({@code oom_killed}, {@code cgroup_max_mem}):
 * with {@code ?extensions=1} on the WebSocket's or the v0 endpoint's URL. Without it a Done carries ATO's fields and
 * only the extras the request itself asked for ({@code case}, {@code quota}), as ATO's own clients (and its test
 * suite, which compares the whole Done map) expect.
 */
public final class Extensions {
    /** The query parameter. */
    public static final String PARAMETER = "extensions";

    private Extensions() {
    }

    /**
     * Reads the request's query.
     *
     * @param query the request URL's query
     * @return true for {@code extensions=1} (or {@code true})
     */
    public static boolean requested(UriQuery query) {
        return query.first(PARAMETER).map(v -> v.equals("1") || v.equals("true")).orElse(false);
    }
}
