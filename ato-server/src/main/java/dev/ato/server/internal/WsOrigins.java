package dev.ato.server.internal;

import io.helidon.webserver.websocket.WsConfig;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which {@code Origin} a WebSocket upgrade may come from. Helidon 4.5's {@code WsUpgrader} accepts an upgrade when
 * its {@code origins()} set is empty and the Origin's host and port equal the {@code Host} header's (same origin
 * only), or when the set {@code contains} the Origin header's value; anything else is refused with 403 before the
 * endpoint sees it. ATO accepts any origin, and so does this server by default: it hands Helidon a set that
 * contains every origin. A configured list is handed over as it is (exact match, as browsers send
 * {@code scheme://host[:port]}). An upgrade without an {@code Origin} header (not a browser) is never checked.
 */
public final class WsOrigins {
    private WsOrigins() { }

    /** The WebSocket protocol configuration for Helidon's upgrader: {@code allowed} origins, empty = any. */
    public static WsConfig config(String name, int maxFrameLength, List<String> allowed) {
        WsConfig base = WsConfig.builder().name(name).maxFrameLength(maxFrameLength).build();
        Set<String> origins = allowed.isEmpty() ? ANY : Collections.unmodifiableSet(new LinkedHashSet<>(allowed));
        return new WsConfig() {
            @Override
            public Set<String> origins() {
                return origins;
            }

            @Override
            public String name() {
                return base.name();
            }

            @Override
            public int maxFrameLength() {
                return base.maxFrameLength();
            }

            @Override
            public String type() {
                return base.type();
            }
        };
    }

    /** Not empty (so Helidon skips its same-origin rule) and containing every origin. */
    private static final Set<String> ANY = new AbstractSet<>() {
        @Override
        public boolean contains(Object o) {
            return o instanceof String;
        }

        @Override
        public boolean isEmpty() {
            return false;
        }

        @Override
        public Iterator<String> iterator() {
            return Collections.singleton("*").iterator();
        }

        @Override
        public int size() {
            return 1;
        }
    };
}
