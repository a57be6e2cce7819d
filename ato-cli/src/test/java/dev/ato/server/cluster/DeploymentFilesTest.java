package dev.ato.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.server.ServerConfig;
import dev.ato.server.internal.ClientKeys;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What can be checked here of the deployment files that no test runs whole: setup/kubernetes (no cluster here)
 * and the parts of setup/cluster/haproxy.cfg that ClusterTest does not exercise. They must agree with the
 * server's own configuration: ports, the health path, trusted proxies, timeouts longer than a run, a
 * termination grace longer than a drain.
 */
class DeploymentFilesTest {
    static final String HEALTH = "/observe/health";
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @Test
    @Tag("proxy")
    void haproxyConfigIsValidAndOutlastsTheLongestRun() throws Exception {
        Path cfg = LocalCluster.shippedConfig();
        assertThat(LocalCluster.run(true, "haproxy", "-c", "-f", cfg.toString())).contains("Configuration file is valid");
        String text = Files.readString(cfg);
        ServerConfig defaults = ServerConfig.builder().build();
        Duration longest = defaults.limits().timeout().plus(defaults.queueWait());
        assertThat(seconds(text, "timeout tunnel")).as("tunnel timeout vs run + queue wait").isGreaterThan(longest);
        assertThat(seconds(text, "timeout server")).as("server timeout (v0 answers at the end)").isGreaterThan(longest);
        assertThat(text).contains("balance leastconn", "stick on src", "option forwardfor",
                "http-check send meth GET uri " + HEALTH + " ver HTTP/1.1", "http-check expect status 200");
        assertThat(text).containsPattern("server node1 \\S+:" + defaults.port());
    }

    @Test
    void kubernetesManifestsMatchTheServersConfiguration(@TempDir Path state) throws Exception {
        List<Map<String, Object>> docs = manifests();
        Map<String, Map<String, Object>> byKind = new HashMap<>();
        for (Map<String, Object> d : docs) {
            assertThat(byKind.put((String) d.get("kind"), d)).as("one " + d.get("kind")).isNull();
        }
        assertThat(byKind).containsOnlyKeys("Namespace", "Deployment", "Service", "Ingress", "PodDisruptionBudget");
        String ns = str(map(byKind.get("Namespace"), "metadata"), "name");
        for (Map<String, Object> d : docs) {
            if (!d.get("kind").equals("Namespace")) assertThat(str(map(d, "metadata"), "namespace")).isEqualTo(ns);
        }

        Map<String, Object> deploy = byKind.get("Deployment");
        Map<String, Object> podSpec = map(map(map(deploy, "spec"), "template"), "spec");
        Map<String, Object> podLabels = map(map(map(map(deploy, "spec"), "template"), "metadata"), "labels");
        assertThat(map(map(deploy, "spec"), "selector").get("matchLabels")).isEqualTo(podLabels);
        Map<String, Object> c = list(podSpec, "containers").getFirst();
        assertThat(map(c, "securityContext").get("privileged")).as("privileged").isEqualTo(true);

        // The container's environment, read the way the server reads it.
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> e : list(c, "env")) env.put(str(e, "name"), String.valueOf(e.get("value")));
        List<String> known = ServerConfig.Key.values().stream().map(ServerConfig.Key::envName).toList();
        assertThat(known).as("every variable is one the server reads").containsAll(env.keySet());
        ServerConfig cfg = ServerConfig.load(Optional.empty(), env);
        ClientKeys.open(state, cfg.trustedProxies()); // the trusted networks parse
        assertThat(cfg.bindAddress()).isEqualTo("0.0.0.0");

        Map<String, Object> port = list(c, "ports").getFirst();
        assertThat(port.get("containerPort")).isEqualTo(cfg.port());
        String portName = str(port, "name");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            Map<String, Object> get = map(map(c, probe), "httpGet");
            assertThat(get.get("path")).as(probe).isEqualTo(HEALTH);
            assertThat(get.get("port")).as(probe).isIn(portName, cfg.port());
        }
        // A drain (health 503 from its first instant) must not count as a failure of liveness.
        Map<String, Object> live = map(c, "livenessProbe");
        Duration drain = cfg.drainDelay().plus(cfg.drainGrace());
        assertThat(Duration.ofSeconds(num(live, "periodSeconds") * num(live, "failureThreshold"))).isGreaterThan(drain);

        // Volumes: the state dir (image store inside) and the run dir, each on its own volume.
        List<String> mounts = list(c, "volumeMounts").stream().map(m -> str(m, "mountPath")).toList();
        assertThat(mounts).contains(cfg.stateDir().toString(), cfg.runDir().toString());
        assertThat(cfg.imageDir().startsWith(cfg.stateDir())).as("image store on the state volume").isTrue();

        // SIGTERM comes after preStop; the drain then needs its delay and grace, and a little to clean up.
        @SuppressWarnings("unchecked")
        List<String> preStop = (List<String>) (List<?>) map(map(map(c, "lifecycle"), "preStop"), "exec").get("command");
        assertThat(preStop.getFirst()).isEqualTo("/bin/sleep");
        Duration beforeSigterm = Duration.ofSeconds(Long.parseLong(preStop.get(1)));
        assertThat(Duration.ofSeconds(num(podSpec, "terminationGracePeriodSeconds")))
                .isGreaterThan(beforeSigterm.plus(drain).plusSeconds(10));
        assertThat(map(map(c, "resources"), "limits")).containsKey("memory");

        // Service -> the container's port; Ingress -> the Service; PDB -> the pods.
        Map<String, Object> svc = byKind.get("Service");
        assertThat(map(svc, "spec").get("selector")).isEqualTo(podLabels);
        Map<String, Object> svcPort = list(map(svc, "spec"), "ports").getFirst();
        assertThat(svcPort.get("targetPort")).isIn(portName, cfg.port());
        Map<String, Object> ing = byKind.get("Ingress");
        Map<String, Object> backend = map(map(list(map(list(map(ing, "spec"), "rules").getFirst(), "http"), "paths")
                .getFirst(), "backend"), "service");
        assertThat(backend.get("name")).isEqualTo(str(map(svc, "metadata"), "name"));
        assertThat(map(backend, "port").get("name")).isEqualTo(svcPort.get("name"));
        Map<String, Object> ann = map(map(ing, "metadata"), "annotations");
        Duration longest = cfg.limits().timeout().plus(cfg.queueWait());
        for (String t : List.of("proxy-read-timeout", "proxy-send-timeout")) {
            assertThat(Duration.ofSeconds(Long.parseLong(str(ann, "nginx.ingress.kubernetes.io/" + t)))).as(t).isGreaterThan(longest);
        }
        assertThat(ann).containsKey("nginx.ingress.kubernetes.io/upstream-hash-by");
        Map<String, Object> pdb = byKind.get("PodDisruptionBudget");
        assertThat(map(map(pdb, "spec"), "selector").get("matchLabels")).isEqualTo(podLabels);
    }

    static List<Map<String, Object>> manifests() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(ROOT.resolve("setup/kubernetes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (Reader r = Files.newBufferedReader(f)) {
                    for (Object d : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(r)) {
                        if (d != null) out.add(cast(d));
                    }
                }
            }
        }
        return out;
    }

    private static Duration seconds(String cfg, String directive) {
        Matcher m = Pattern.compile("(?m)^\\s*" + directive + "\\s+(\\d+)(ms|s|m)\\b").matcher(cfg);
        assertThat(m.find()).as(directive).isTrue();
        long v = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(v);
            case "s" -> Duration.ofSeconds(v);
            default -> Duration.ofMinutes(v);
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        assertThat(m).as("has " + key).containsKey(key);
        return cast(m.get(key));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> m, String key) {
        assertThat(m.get(key)).as(key).isInstanceOf(List.class);
        return (List<Map<String, Object>>) m.get(key);
    }

    private static String str(Map<String, Object> m, String key) {
        assertThat(m.get(key)).as(key).isInstanceOf(String.class);
        return (String) m.get(key);
    }

    private static long num(Map<String, Object> m, String key) {
        assertThat(m.get(key)).as(key).isInstanceOf(Number.class);
        return ((Number) m.get(key)).longValue();
    }
}
