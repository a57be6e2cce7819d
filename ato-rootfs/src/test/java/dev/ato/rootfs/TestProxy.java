package dev.ato.rootfs;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny HTTP front for a {@link TestRegistry}: optionally the bearer-token flow (its own token service at
 * /token, which wants basic auth) and optionally a slow blob body (to kill a pull midway).
 */
public final class TestProxy implements AutoCloseable {
    private static final String TOKEN = "tok-" + Long.toHexString(System.nanoTime());

    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private final String backend;
    private final String tokenUser;
    private final String tokenPassword;
    private volatile int bytesPer100ms;
    /** Query strings the token service received. */
    public final List<String> tokenRequests = new CopyOnWriteArrayList<>();
    /** A blob digest whose next response sends half its body and then nothing (a stalled connection). */
    public final java.util.concurrent.atomic.AtomicReference<String> stallBlob = new java.util.concurrent.atomic.AtomicReference<>();
    /** How many of the next /v2/ requests get a 503. */
    public final java.util.concurrent.atomic.AtomicInteger failNext = new java.util.concurrent.atomic.AtomicInteger();
    /** Request paths seen, in order (blob and manifest GETs). */
    public final List<String> requests = new CopyOnWriteArrayList<>();
    /** Blob bytes sent so far. */
    public final AtomicLong blobBytesSent = new AtomicLong();

    private TestProxy(String backend, String tokenUser, String tokenPassword, int bytesPer100ms) throws IOException {
        this.backend = backend;
        this.tokenUser = tokenUser;
        this.tokenPassword = tokenPassword;
        this.bytesPer100ms = bytesPer100ms;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    /** A proxy that requires bearer tokens, issued by its /token endpoint to user:password. */
    public static TestProxy withTokenAuth(TestRegistry registry, String user, String password) throws IOException {
        return new TestProxy(registry.host(), user, password, 0);
    }

    /** A plain pass-through proxy (for stalls and request counting). */
    public static TestProxy plain(TestRegistry registry) throws IOException {
        return new TestProxy(registry.host(), null, null, 0);
    }

    /** A proxy that sends blob bodies at about {@code bytesPer100ms} per 100 ms. */
    public static TestProxy throttled(TestRegistry registry, int bytesPer100ms) throws IOException {
        return new TestProxy(registry.host(), null, null, bytesPer100ms);
    }

    /** Stops slowing blob bodies down (for requests that start from now on). */
    public void unthrottle() {
        bytesPer100ms = 0;
    }

    /** host:port of the proxy. */
    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (tokenUser != null && path.equals("/token")) {
                tokenRequests.add(ex.getRequestURI().getRawQuery());
                String want = "Basic " + Base64.getEncoder().encodeToString((tokenUser + ":" + tokenPassword).getBytes(StandardCharsets.UTF_8));
                if (!want.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                    send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
                    return;
                }
                send(ex, 200, "{\"token\":\"" + TOKEN + "\",\"expires_in\":300}");
                return;
            }
            if (tokenUser != null && !("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                String repo = path.replaceFirst("^/v2/", "").replaceFirst("/(manifests|blobs)/.*$", "");
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host() + "/token\",service=\"test-registry\",scope=\"repository:" + repo + ":pull\"");
                send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
                return;
            }
            requests.add(path);
            if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(ex, 503, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"try later\"}]}");
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + backend + ex.getRequestURI()));
            String accept = ex.getRequestHeaders().getFirst("Accept");
            if (accept != null) b.header("Accept", accept);
            HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            resp.headers().firstValue("Content-Type").ifPresent(v -> ex.getResponseHeaders().add("Content-Type", v));
            resp.headers().firstValue("Docker-Content-Digest").ifPresent(v -> ex.getResponseHeaders().add("Docker-Content-Digest", v));
            long len = resp.headers().firstValueAsLong("Content-Length").orElse(0);
            ex.sendResponseHeaders(resp.statusCode(), len == 0 ? -1 : len);
            String stall = stallBlob.get();
            if (stall != null && path.endsWith("/blobs/" + stall) && len > 2 && stallBlob.compareAndSet(stall, null)) {
                try (InputStream in = resp.body(); OutputStream out = ex.getResponseBody()) {
                    out.write(in.readNBytes((int) (len / 2)));
                    out.flush();
                    Thread.sleep(15_000);
                }
                return;
            }
            int rate = bytesPer100ms;
            boolean slow = rate > 0 && path.contains("/blobs/");
            try (InputStream in = resp.body(); OutputStream out = ex.getResponseBody()) {
                byte[] buf = new byte[slow ? rate : 65536];
                int n;
                // readNBytes fills the chunk, so the rate is the chunk per 100 ms, not whatever one read returns.
                while ((n = slow ? in.readNBytes(buf, 0, buf.length) : in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    if (path.contains("/blobs/")) blobBytesSent.addAndGet(n);
                    if (slow) Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away (the killed pull): nothing to do.
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
