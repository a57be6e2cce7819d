package dev.ato.rootfs.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.RegistryCredentials;
import dev.ato.rootfs.StoreConfig;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of the OCI distribution API v2 (the registry HTTP API): manifests and blobs, with HTTP basic auth,
 * the bearer-token flow (a 401 with {@code WWW-Authenticate: Bearer realm=...,service=...,scope=...} sends
 * us to the token service, with the configured credentials if any), retries with exponential back-off on
 * connection failures, 429 and 5xx, and redirects followed by hand so that credentials never travel to the
 * blob storage a registry redirects to. Thread-safe.
 */
public final class RegistryClient {
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("([A-Za-z_]+)=\"([^\"]*)\"");
    private static final int MAX_REDIRECTS = 5;

    private final StoreConfig config;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    /** "registry|scope" -> bearer token. */
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    /** Registries that asked for basic auth once: send it up front from then on. */
    private final Map<String, Boolean> basicRegistries = new ConcurrentHashMap<>();

    /** A manifest or index as fetched. */
    public record Fetched(byte[] body, String mediaType, String digest, JsonNode json) {
        /** Equal when every component is, the body by content. */
        @Override
        public boolean equals(Object o) {
            return o instanceof Fetched f && java.util.Arrays.equals(body, f.body)
                    && java.util.Objects.equals(mediaType, f.mediaType) && java.util.Objects.equals(digest, f.digest) && java.util.Objects.equals(json, f.json);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(java.util.Arrays.hashCode(body), mediaType, digest, json);
        }

        @Override
        public String toString() {
            return "Fetched[" + mediaType + " " + digest + ", " + body.length + " bytes]";
        }
    }

    /** A client using the given settings. */
    public RegistryClient(StoreConfig config) {
        this.config = config;
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    /** Base URL of the registry API: https, or http for loopback and configured insecure registries. */
    public URI baseUri(ImageReference ref) {
        String host = ref.apiHost();
        String bare = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host.split(":")[0];
        boolean plain = config.insecureRegistries().contains(ref.registry()) || bare.equals("localhost")
                || bare.equals("127.0.0.1") || bare.equals("[::1]") || bare.startsWith("127.");
        return URI.create((plain ? "http://" : "https://") + host + "/v2/");
    }

    /**
     * Fetches a manifest or index by tag or digest. When {@code reference} is a digest the body must match it.
     */
    public Fetched manifest(ImageReference ref, String reference) {
        URI uri = baseUri(ref).resolve(ref.repository() + "/manifests/" + reference);
        String what = "manifest " + reference + " of " + ref.registry() + "/" + ref.repository();
        return retryingBody(what, () -> {
            try (Exchange ex = send(ref, uri, MediaTypes.ACCEPT, what)) {
                byte[] body = readCapped(new StallGuard(ex.body, config.requestTimeout()), config.maxManifestBytes(), what);
                String digest = Digests.sha256(body);
                if (reference.startsWith("sha256:") && !digest.equals(reference)) {
                    throw new ImageException(Kind.REJECTED_CONTENT, what + " does not match its digest: got " + digest);
                }
                JsonNode node = parse(body, what);
                String mediaType = node.path("mediaType").asText("");
                if (mediaType.isEmpty()) mediaType = ex.headers.firstValue("Content-Type").orElse("").split(";")[0].trim();
                if (node.path("schemaVersion").asInt() == 1) {
                    throw new ImageException(Kind.REJECTED_CONTENT, what + " is a schema 1 manifest, which is not supported");
                }
                return new Fetched(body, mediaType, digest, node);
            }
        });
    }

    private interface BodyRead<T> {
        T read() throws IOException;
    }

    /**
     * Repeats a whole exchange when its body fails midway (a dropped or stalled connection): {@link #send}
     * retries only up to the response headers.
     */
    private <T> T retryingBody(String what, BodyRead<T> exchange) {
        Duration backoff = config.initialBackoff();
        for (int attempt = 1; ; attempt++) {
            try {
                return exchange.read();
            } catch (IOException e) {
                if (attempt >= config.attempts()) {
                    throw new ImageException(Kind.NETWORK, "read " + what + " failed after " + attempt + " attempts: " + e.getMessage(), e);
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    /** Fetches a small blob (an image config) whole, verified against its digest. */
    public byte[] smallBlob(ImageReference ref, String digest, long size) {
        String what = "blob " + digest + " of " + ref.registry() + "/" + ref.repository();
        if (size > config.maxManifestBytes()) throw new ImageException(Kind.REJECTED_CONTENT, what + " is larger than the cap of " + config.maxManifestBytes() + " bytes");
        return retryingBody(what, () -> {
            try (InputStream in = blob(ref, digest, size, config.maxManifestBytes(), n -> { })) {
                return in.readAllBytes();
            }
        });
    }

    /**
     * Opens a blob as a stream that verifies its size and digest as it is read (and throws at its end when
     * either is wrong). The caller closes it.
     */
    public VerifyingInputStream blob(ImageReference ref, String digest, long size, long cap, LongConsumer progress) {
        Digests.require(digest, "blob");
        URI uri = baseUri(ref).resolve(ref.repository() + "/blobs/" + digest);
        String what = "blob " + digest + " of " + ref.registry() + "/" + ref.repository();
        Exchange ex = send(ref, uri, "*/*", what);
        return new VerifyingInputStream(new StallGuard(ex.body, config.requestTimeout()), digest, size, cap, what, progress);
    }

    private record Exchange(InputStream body, HttpHeaders headers) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** GET with auth, retries and redirects; returns a 200 response's body or throws a clear error. */
    private Exchange send(ImageReference ref, URI uri, String accept, String what) {
        String scope = "repository:" + ref.repository() + ":pull";
        int attempt = 0;
        boolean triedAuth = false;
        Duration backoff = config.initialBackoff();
        while (true) {
            attempt++;
            String failure;
            try {
                HttpResponse<InputStream> resp = get(uri, accept, authorization(ref, scope));
                int redirects = 0;
                while (isRedirect(resp.statusCode()) && redirects++ < MAX_REDIRECTS) {
                    URI next = resp.uri().resolve(resp.headers().firstValue("Location")
                            .orElseThrow(() -> new ImageException(Kind.NETWORK, what + ": redirect without Location")));
                    resp.body().close();
                    // Same host keeps the credentials; anything else (blob storage, CDN) gets none.
                    String auth = next.getAuthority() != null && next.getAuthority().equals(uri.getAuthority()) ? authorization(ref, scope) : null;
                    resp = get(next, accept, auth);
                }
                int status = resp.statusCode();
                if (status == 200) return new Exchange(resp.body(), resp.headers());
                String errorText = errorText(resp);
                if (status == 401) {
                    if (triedAuth) {
                        RegistryCredentials c = config.credentials().get(ref.registry());
                        throw new ImageException(Kind.UNAUTHORIZED, "registry " + ref.registry() + " refused "
                                + (c == null ? "anonymous access (no credentials configured for it)" : "the credentials of user '" + c.username() + "'")
                                + " while fetching " + what + errorText);
                    }
                    triedAuth = true;
                    authenticate(ref, scope, resp.headers(), what);
                    attempt--;
                    continue;
                }
                if (status == 403) throw new ImageException(Kind.UNAUTHORIZED, "registry " + ref.registry() + " denied access to " + what + errorText);
                if (status == 404) throw new ImageException(Kind.NOT_FOUND, what + " not found (HTTP 404)" + errorText);
                if (status == 429 || status >= 500) {
                    failure = "HTTP " + status + errorText;
                } else {
                    throw new ImageException(Kind.NETWORK, "fetch " + what + ": HTTP " + status + errorText);
                }
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ImageException(Kind.NETWORK, "interrupted while fetching " + what, e);
            }
            if (attempt >= config.attempts()) {
                throw new ImageException(Kind.NETWORK, "fetch " + what + " from " + uri + " failed after " + attempt + " attempts: " + failure);
            }
            sleep(backoff);
            backoff = backoff.multipliedBy(2);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException(Kind.NETWORK, "interrupted during back-off", e);
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private HttpResponse<InputStream> get(URI uri, String accept, String authorization) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(config.requestTimeout())
                .header("Accept", accept).header("User-Agent", "ato-rootfs/0.1");
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** The first 512 bytes of an error body, for the message; the rest is discarded. */
    private static String errorText(HttpResponse<InputStream> resp) {
        try (InputStream in = resp.body()) {
            byte[] b = in.readNBytes(512);
            String s = new String(b, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
            return s.isEmpty() ? "" : " (" + s + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private String authorization(ImageReference ref, String scope) {
        String token = tokens.get(ref.registry() + "|" + scope);
        if (token != null) return "Bearer " + token;
        if (basicRegistries.containsKey(ref.registry())) {
            RegistryCredentials c = config.credentials().get(ref.registry());
            if (c != null) return basic(c);
        }
        return null;
    }

    private static String basic(RegistryCredentials c) {
        return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
    }

    /** Reacts to a 401 challenge: remembers basic auth, or fetches a bearer token. */
    private void authenticate(ImageReference ref, String scope, HttpHeaders headers, String what) throws IOException, InterruptedException {
        String challenge = headers.firstValue("WWW-Authenticate").orElse("");
        String scheme = challenge.split(" ", 2)[0].toLowerCase(Locale.ROOT);
        RegistryCredentials creds = config.credentials().get(ref.registry());
        if (scheme.equals("basic")) {
            if (creds == null) {
                throw new ImageException(Kind.UNAUTHORIZED, "registry " + ref.registry() + " needs a user name and password to fetch " + what + ", and none is configured");
            }
            basicRegistries.put(ref.registry(), true);
            return;
        }
        if (!scheme.equals("bearer")) {
            throw new ImageException(Kind.UNAUTHORIZED, "registry " + ref.registry() + " asks for unsupported authentication '" + challenge + "' for " + what);
        }
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) params.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2));
        String realm = params.get("realm");
        if (realm == null) throw new ImageException(Kind.UNAUTHORIZED, "registry " + ref.registry() + " sent a Bearer challenge without realm");
        URI realmUri = URI.create(realm);
        if (!"https".equals(realmUri.getScheme()) && !"http".equals(realmUri.getScheme())) {
            throw new ImageException(Kind.UNAUTHORIZED, "registry " + ref.registry() + " names a token service with an unsupported scheme: " + realm);
        }
        StringBuilder q = new StringBuilder();
        if (params.containsKey("service")) q.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
        String wantScope = params.getOrDefault("scope", scope);
        if (q.length() > 0) q.append('&');
        q.append("scope=").append(URLEncoder.encode(wantScope, StandardCharsets.UTF_8));
        URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + q);
        HttpRequest.Builder b = HttpRequest.newBuilder(tokenUri).GET().timeout(config.requestTimeout()).header("User-Agent", "ato-rootfs/0.1");
        if (creds != null) b.header("Authorization", basic(creds));
        HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (resp.statusCode() == 401 || resp.statusCode() == 403) {
            throw new ImageException(Kind.UNAUTHORIZED, "token service " + realmUri.getAuthority() + " of registry " + ref.registry() + " refused "
                    + (creds == null ? "anonymous access" : "the credentials of user '" + creds.username() + "'") + errorText(resp));
        }
        if (resp.statusCode() != 200) {
            throw new ImageException(Kind.UNAUTHORIZED, "token service " + realm + " answered HTTP " + resp.statusCode() + errorText(resp));
        }
        byte[] body;
        try (InputStream in = resp.body()) {
            body = readCapped(in, 1 << 20, "token from " + realm);
        }
        JsonNode node = parse(body, "token from " + realm);
        String token = node.path("token").asText(node.path("access_token").asText(""));
        if (token.isEmpty() || token.length() > 64 * 1024) throw new ImageException(Kind.UNAUTHORIZED, "token service " + realm + " returned no usable token");
        tokens.put(ref.registry() + "|" + scope, token);
    }

    private static byte[] readCapped(InputStream in, int cap, String what) throws IOException {
        byte[] b = in.readNBytes(cap + 1);
        if (b.length > cap) throw new ImageException(Kind.REJECTED_CONTENT, what + " is larger than the cap of " + cap + " bytes");
        return b;
    }

    private JsonNode parse(byte[] body, String what) {
        try {
            JsonNode n = json.readTree(body);
            if (n == null || !n.isObject()) throw new ImageException(Kind.REJECTED_CONTENT, what + " is not a JSON object");
            return n;
        } catch (IOException e) {
            throw new ImageException(Kind.REJECTED_CONTENT, what + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
