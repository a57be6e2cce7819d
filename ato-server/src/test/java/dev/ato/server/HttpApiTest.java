package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ato.server.Wire.Req;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** v0's execute and metadata, v1's language list, health and metrics, over HTTP against a real server. */
@Tag("kernel")
class HttpApiTest {
    @RegisterExtension
    static final TestServers.PerClass SERVER = TestServers.perClass();

    private static HttpResponse<byte[]> post(String path, byte[] body) throws Exception {
        return Wire.HTTP.send(HttpRequest.newBuilder(SERVER.get().uri().resolve(path))
                .header("Content-Type", "application/msgpack")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpResponse<byte[]> get(String path) throws Exception {
        return Wire.HTTP.send(HttpRequest.newBuilder(SERVER.get().uri().resolve(path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    @SuppressWarnings("unchecked")
    void v0ExecuteReturnsOneMapWithOutputAndStatus() throws Exception {
        HttpResponse<byte[]> r = post("/api/v0/execute", Req.of("bash", "echo out; echo err >&2; exit 4")
                .remove("timeout").bytes());
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> m = (Map<String, Object>) Wire.unpack(r.body());
        assertThat(new String((byte[]) m.get("stdout"), StandardCharsets.UTF_8)).isEqualTo("out\n");
        assertThat(new String((byte[]) m.get("stderr"), StandardCharsets.UTF_8)).isEqualTo("err\n");
        assertThat(m).containsEntry("status_type", "exited").containsEntry("status_value", 4L)
                .containsEntry("timed_out", false).containsKeys("real", "user", "kernel", "max_mem");
    }

    @Test
    @SuppressWarnings("unchecked")
    void v0SendsTheExtensionsOnlyWhenAskedFor() throws Exception {
        Map<String, Object> plain = (Map<String, Object>) Wire.unpack(post("/api/v0/execute", Req.of("bash", "true").bytes()).body());
        assertThat(plain).doesNotContainKeys("oom_killed", "cgroup_max_mem");
        Map<String, Object> asked = (Map<String, Object>) Wire.unpack(
                post("/api/v0/execute?extensions=1", Req.of("bash", "true").bytes()).body());
        assertThat(asked).containsEntry("oom_killed", false);
        assertThat((Long) asked.get("cgroup_max_mem")).isPositive().isLessThanOrEqualTo((Long) asked.get("max_mem"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void v0InvalidRequestIs400WithTheReason() throws Exception {
        HttpResponse<byte[]> r = post("/api/v0/execute", Req.of("no_such_language", "x").bytes());
        assertThat(r.statusCode()).isEqualTo(400);
        List<Object> errors = (List<Object>) Wire.unpack(r.body());
        Map<String, Object> first = (Map<String, Object>) errors.get(0);
        assertThat((String) first.get("msg")).isNotBlank();
        HttpResponse<byte[]> garbage = post("/api/v0/execute", new byte[] {(byte) 0xc1});
        assertThat(garbage.statusCode()).isEqualTo(400);
    }

    @Test
    @SuppressWarnings("unchecked")
    void v0BodyOverTheLimitIs413() throws Exception {
        HttpResponse<byte[]> r = post("/api/v0/execute", new byte[70000]);
        assertThat(r.statusCode()).isEqualTo(413);
        Map<String, Object> first = (Map<String, Object>) ((List<Object>) Wire.unpack(r.body())).get(0);
        assertThat(first).containsEntry("msg", "request too large");
    }

    @Test
    @SuppressWarnings("unchecked")
    void v0MetadataListsEveryLanguage() throws Exception {
        HttpResponse<byte[]> r = get("/api/v0/metadata");
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> m = (Map<String, Object>) Wire.unpack(r.body());
        assertThat(m).containsKeys("bash", "python", "zsh");
        assertThat((Map<String, Object>) m.get("bash")).containsEntry("name", "Bash").containsKey("image");
    }

    @Test
    void languagesJsonHasTheCatalogWithReadiness() throws Exception {
        HttpResponse<byte[]> r = get("/api/v1/languages");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
        JsonNode root = new ObjectMapper().readTree(r.body());
        JsonNode bash = root.get("bash");
        assertThat(bash.get("name").asText()).isEqualTo("Bash");
        for (String field : List.of("version", "url", "sbcs", "se_class", "image", "hello_world", "ready")) {
            assertThat(bash.has(field)).as(field).isTrue();
        }
        assertThat(bash.get("ready").asBoolean()).isTrue();
        assertThat(bash.get("hello_world").get("output").asText()).isEqualTo("Hello, World!\n");
        assertThat(bash.get("ato").asBoolean()).isTrue();
        // What a client needs to reproduce a hello world: input, options, arguments (always present).
        JsonNode sed = root.get("sed").get("hello_world");
        assertThat(sed.get("input").asText()).isEqualTo("x");
        assertThat(sed.get("arguments").isArray()).isTrue();
        assertThat(root.get("jq").get("hello_world").get("options").get(0).asText()).isEqualTo("-nr");
        assertThat(root.get("jelly").get("sbcs").asBoolean()).isTrue();
        assertThat(root.get("jelly").get("ready").asBoolean()).isFalse();
        assertThat(root.get("jelly").get("reason").asText()).contains("attemptthisonline/jelly");
    }

    @Test
    void healthIsUpWhenTheSandboxRunsTrue() throws Exception {
        HttpResponse<byte[]> r = get("/observe/health");
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).as(body).isEqualTo(200);
        assertThat(body).contains("UP").contains("sandbox");
        assertThat(get("/observe/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void metricsCountRunsByOutcome() throws Exception {
        post("/api/v0/execute", Req.of("bash", "true").bytes());
        post("/api/v0/execute", Req.of("bash", "head -c 200000 /dev/zero").bytes());
        HttpResponse<byte[]> r = get("/observe/metrics");
        String text = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(text).containsPattern("ato_runs_total\\{outcome=\"success\"} [1-9]")
                .contains("ato_runs_in_flight ").contains("ato_runs_queued 0")
                .contains("ato_run_duration_seconds_bucket{le=\"+Inf\"}")
                .containsPattern("ato_output_truncations_total\\{stream=\"stdout\"} [1-9]")
                .contains("ato_oom_kills_total ");
    }

    @Test
    void unknownPathIs404AndWebPageIsServedAtRoot() throws Exception {
        assertThat(get("/api/v2/nothing").statusCode()).isEqualTo(404);
        HttpResponse<byte[]> root = get("/");
        // The page itself belongs to the web module; here only that "/" is routed to the class-path "web" dir.
        if (getClass().getClassLoader().getResource("web/index.html") != null) {
            assertThat(root.statusCode()).isEqualTo(200);
            // ATO's permalinks are /run?1=...: the same page answers there.
            HttpResponse<byte[]> run = get("/run?1=x&L=bash");
            assertThat(run.statusCode()).isEqualTo(200);
            assertThat(run.headers().firstValue("content-type")).hasValue("text/html; charset=UTF-8");
            assertThat(run.body()).isEqualTo(root.body());
        }
    }

    @Test
    void corsAllowsAnyOriginOnTheApi() throws Exception {
        HttpResponse<byte[]> r = get("/api/v1/languages");
        assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("*");
        URI uri = SERVER.get().uri().resolve("/api/v0/execute");
        HttpResponse<Void> pre = Wire.HTTP.send(HttpRequest.newBuilder(uri)
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertThat(pre.statusCode()).isEqualTo(204);
    }
}
