package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** setup/config.yaml, which setup/install.sh installs as /etc/ato/config.yaml. */
class SetupConfigTest {
    private static final Path FILE = Path.of("..", "setup", "config.yaml");

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> m, Map<String, String> out) {
        m.forEach((k, v) -> {
            if (v instanceof Map<?, ?> sub) {
                flatten(prefix + k + ".", (Map<String, Object>) sub, out);
            } else if (v instanceof List<?> list) {
                List<String> parts = new ArrayList<>();
                list.forEach(o -> parts.add(String.valueOf(o)));
                out.put(prefix + k, String.join(",", parts));
            } else {
                out.put(prefix + k, String.valueOf(v));
            }
        });
    }

    @Test
    void listsEveryKeyWithItsDefaultAndTrustsTheLocalProxy() throws Exception {
        Map<String, String> flat = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(FILE)) {
            flatten("", new Yaml().load(in), flat);
        }
        for (ServerConfig.Key<?> k : ServerConfig.Key.values()) {
            assertThat(flat).as("%s in %s", k.yamlName(), FILE).containsKey(k.yamlName());
            if (k == ServerConfig.Key.TRUSTED_PROXIES) {
                assertThat(flat.get(k.yamlName())).isEqualTo("127.0.0.1");
            } else {
                assertThat(flat.get(k.yamlName())).as(k.yamlName()).isEqualTo(k.defaultValue());
            }
        }
        assertThat(flat).hasSize(ServerConfig.Key.values().size());
        String text = Files.readString(FILE);
        for (ServerConfig.Key<?> k : ServerConfig.Key.values()) {
            assertThat(text).as("the comment names the environment variable").contains("# " + k.envName() + ":");
        }
    }

    @Test
    void loadsToTheDefaultsPlusTheTrustedProxy() {
        ServerConfig c = ServerConfig.load(Optional.of(FILE), Map.of());
        ServerConfig d = ServerConfig.builder().build();
        assertThat(c.trustedProxies()).containsExactly("127.0.0.1");
        assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/ato"));
        assertThat(List.of(c.bindAddress(), c.port(), c.maxRuns(), c.maxRunsPerClient(), c.queueLength(), c.queueWait(),
                c.limits(), c.clientMemoryBytes(), c.clientPids(), c.stateDir(), c.runDir(), c.imageDir(), c.cgroupName(),
                c.healthCacheTime(), c.allowedOrigins(), c.drainDelay(), c.drainGrace()))
                .isEqualTo(List.of(d.bindAddress(), d.port(), d.maxRuns(), d.maxRunsPerClient(), d.queueLength(), d.queueWait(),
                        d.limits(), d.clientMemoryBytes(), d.clientPids(), d.stateDir(), d.runDir(), d.imageDir(), d.cgroupName(),
                        d.healthCacheTime(), d.allowedOrigins(), d.drainDelay(), d.drainGrace()));
    }
}
