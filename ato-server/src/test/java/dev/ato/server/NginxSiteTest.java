package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shipped nginx site (setup/nginx, rendered by setup/nginx/render-site.sh exactly as install.sh renders it, with
 * only the listen address and the upstream port changed) in front of a test server, in Debian's real nginx run from
 * its own prefix, pid and log files: the page, a WebSocket run from another Origin, v0, health from this host only,
 * and next to Debian's default site.
 */
@Tag("kernel")
@Tag("proxy")
class NginxSiteTest {
    @RegisterExtension
    static final TestServers.PerClass SERVER = TestServers.perClass();

    private static final Path SETUP = Path.of("..", "setup").toAbsolutePath().normalize();
    private static Path prefix;

    @BeforeAll
    static void prefix() throws IOException {
        prefix = Files.createTempDirectory("ato-nginx-test");
    }

    @AfterAll
    static void cleanUp() {
        TestDirs.deleteTree(prefix);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** nginx.conf for a private instance: everything under {@code dir}, the given site files included. */
    private static Path nginxConf(Path dir, List<String> siteFiles) throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        StringBuilder includes = new StringBuilder();
        for (String f : siteFiles) includes.append("    include ").append(dir.resolve(f)).append(";\n");
        String conf = "worker_processes 1;\ndaemon off;\npid " + dir.resolve("nginx.pid") + ";\nerror_log "
                + dir.resolve("error.log") + ";\nevents { worker_connections 64; }\nhttp {\n"
                + "    include /etc/nginx/mime.types;\n    access_log " + dir.resolve("access.log") + ";\n"
                + "    client_body_temp_path " + dir.resolve("tmp/body") + ";\n    proxy_temp_path " + dir.resolve("tmp/proxy")
                + ";\n    fastcgi_temp_path " + dir.resolve("tmp/fcgi") + ";\n    uwsgi_temp_path " + dir.resolve("tmp/uwsgi")
                + ";\n    scgi_temp_path " + dir.resolve("tmp/scgi") + ";\n" + includes + "}\n";
        Path f = dir.resolve("nginx.conf");
        Files.writeString(f, conf);
        return f;
    }

    /** Renders the site and its locations into {@code dir} as install.sh would, listening on {@code port}. */
    private static void renderSite(Path dir, int port, String... extra) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ato-locations.conf"), Sh.ok(SETUP.resolve("nginx/render-site.sh").toString(),
                "--locations", "--upstream", "127.0.0.1:" + SERVER.get().port()));
        List<String> argv = new ArrayList<>(List.of(SETUP.resolve("nginx/render-site.sh").toString(), "--listen",
                "127.0.0.1:" + port, "--no-ipv6", "--snippet", dir.resolve("ato-locations.conf").toString()));
        argv.addAll(List.of(extra));
        Files.writeString(dir.resolve("ato"), Sh.ok(argv.toArray(String[]::new)));
    }

    /** Debian's default site, unchanged but for its listen lines. */
    private static void debianDefault(Path dir, int port) throws IOException {
        String site = Files.readString(Path.of("/etc/nginx/sites-available/default"))
                .replace("listen 80 default_server;", "listen 127.0.0.1:" + port + " default_server;")
                .replace("listen [::]:80 default_server;", "");
        Files.writeString(dir.resolve("default"), site);
    }

    /** A running private nginx. */
    private record Nginx(Process process, int port) implements AutoCloseable {
        static Nginx start(Path conf, int port) throws Exception {
            Process p = new ProcessBuilder("/usr/sbin/nginx", "-p", conf.getParent().toString(), "-c", conf.toString())
                    .redirectErrorStream(true).redirectOutput(conf.getParent().resolve("stdout.log").toFile()).start();
            Await.until("nginx listens on " + port, Duration.ofSeconds(20), () -> {
                assertThat(p.isAlive()).as("nginx: %s", Files.readString(conf.getParent().resolve("stdout.log"))).isTrue();
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            return new Nginx(p, port);
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + port);
        }

        @Override
        public void close() throws Exception {
            process.toHandle().destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }

    /** A raw HTTP/1.1 GET from {@code from} (a loopback address), the response's status line and body. */
    private static String rawGet(InetAddress from, int port, String path, String host) throws IOException {
        try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port, from, 0)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theSiteServesThePageWebSocketsV0AndHealthToThisHostOnly() throws Exception {
        int port = freePort();
        Path dir = prefix.resolve("default-server");
        renderSite(dir, port);
        try (Nginx nginx = Nginx.start(nginxConf(dir, List.of("ato")), port)) {
            // The page.
            HttpResponse<String> page = Wire.HTTP.send(HttpRequest.newBuilder(nginx.uri().resolve("/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<title>Attempt This Online</title>");
            // A WebSocket run from a page on another origin (Helidon alone refused an Origin unlike Host with 403).
            try (Wire.Ws ws = new Wire.Ws(nginx.uri(), Map.of("Origin", "https://ato.example.org"))) {
                List<Wire.Msg> msgs = ws.send(Wire.Req.of("bash", "echo hi; echo err >&2")).untilDone(Duration.ofSeconds(30));
                assertThat(Wire.stdout(msgs)).isEqualTo("hi\n");
                assertThat(Wire.stderr(msgs)).isEqualTo("err\n");
                // The connection is reused for a second run (the tunnel stays up between runs).
                assertThat(Wire.stdout(ws.send(Wire.Req.of("bash", "echo again")).untilDone(Duration.ofSeconds(30))))
                        .isEqualTo("again\n");
            }
            // v0.
            HttpResponse<byte[]> v0 = Wire.HTTP.send(HttpRequest.newBuilder(nginx.uri().resolve("/api/v0/execute"))
                    .header("Content-Type", "application/msgpack")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Wire.Req.of("bash", "echo v0").bytes())).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(v0.statusCode()).isEqualTo(200);
            @SuppressWarnings("unchecked")
            Map<String, Object> reply = (Map<String, Object>) Wire.unpack(v0.body());
            assertThat(new String((byte[]) reply.get("stdout"), StandardCharsets.UTF_8)).isEqualTo("v0\n");
            // /observe/ answers this host (127.0.0.1) and refuses any other address: 127.0.0.2 is loopback too, but
            // not the address the site allows.
            assertThat(rawGet(InetAddress.getByName("127.0.0.1"), port, "/observe/health", "x"))
                    .startsWith("HTTP/1.1 200 OK").contains("\"status\":\"UP\"");
            assertThat(rawGet(InetAddress.getByName("127.0.0.2"), port, "/observe/health", "x")).startsWith("HTTP/1.1 403");
            assertThat(rawGet(InetAddress.getByName("127.0.0.2"), port, "/observe/metrics", "x")).startsWith("HTTP/1.1 403");
            assertThat(rawGet(InetAddress.getByName("127.0.0.2"), port, "/api/v1/languages", "x")).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void nextToDebiansDefaultSite() throws Exception {
        int port = freePort();
        // Both as default_server on one port: nginx refuses the configuration, which is why install.sh (without
        // --server-name) disables Debian's default site.
        Path clash = prefix.resolve("clash");
        renderSite(clash, port);
        debianDefault(clash, port);
        Sh.Result t = Sh.run(Map.of(), "/usr/sbin/nginx", "-t", "-p", clash.toString(), "-c",
                nginxConf(clash, List.of("default", "ato")).toString());
        assertThat(t.status()).isNotZero();
        assertThat(t.output()).contains("duplicate default server");

        // With --server-name the site answers its name, and the default site everything else.
        Path named = prefix.resolve("named");
        renderSite(named, port, "--server-name", "ato.test");
        debianDefault(named, port);
        try (Nginx nginx = Nginx.start(nginxConf(named, List.of("default", "ato")), port)) {
            InetAddress lo = InetAddress.getByName("127.0.0.1");
            assertThat(rawGet(lo, port, "/", "ato.test")).startsWith("HTTP/1.1 200").contains("<title>Attempt This Online</title>");
            assertThat(rawGet(lo, port, "/", "other.test")).startsWith("HTTP/1.1 200").contains("Welcome to nginx");
        }
    }

    @Test
    void everyLocationForwardsHostAndTheClientAndTheWebSocketTunnelIsLong() throws IOException {
        String locations = Files.readString(SETUP.resolve("nginx/ato-locations.conf"));
        String[] blocks = locations.split("\nlocation ");
        assertThat(blocks).hasSize(4);
        for (int i = 1; i < blocks.length; i++) {
            assertThat(blocks[i]).contains("proxy_set_header Host $host;").contains("proxy_set_header X-Forwarded-For $remote_addr;");
        }
        assertThat(blocks[1]).startsWith("/api/v1/ws/").contains("proxy_set_header Upgrade $http_upgrade;")
                .contains("proxy_read_timeout 1h;").contains("proxy_send_timeout 1h;");
        assertThat(blocks[2]).startsWith("/observe/").contains("allow 127.0.0.1;").contains("allow ::1;").contains("deny all;");
        String site = Files.readString(SETUP.resolve("nginx/ato.conf"));
        assertThat(site).contains("# server {").contains("#     listen 443 ssl default_server;")
                .contains("#     include snippets/ato-locations.conf;");
    }
}
