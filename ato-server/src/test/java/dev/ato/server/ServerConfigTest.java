package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreAtosAndTheIssues() {
        ServerConfig c = ServerConfig.load(Optional.empty(), Map.of());
        assertThat(c.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(8500);
        assertThat(c.maxRuns()).isEqualTo(32);
        assertThat(c.maxRunsPerClient()).isEqualTo(16);
        assertThat(c.queueLength()).isEqualTo(64);
        assertThat(c.queueWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.limits().timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.limits().outputBytes()).isEqualTo(128 * 1024);
        assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/ato"));
    }

    @Test
    void yamlFileThenEnvironmentOverride() throws Exception {
        Path f = dir.resolve("ato.yaml");
        Files.writeString(f, """
                server:
                  bind: 0.0.0.0
                  port: 9000
                  trusted-proxies: [127.0.0.1, "::1"]
                runs:
                  max-concurrent: 8
                  queue-wait: 500ms
                limits:
                  memory: 256MiB
                paths:
                  state-dir: /srv/ato
                """);
        ServerConfig c = ServerConfig.load(Optional.of(f), Map.of("ATO_PORT", "9100", "ATO_MAX_RUNS_PER_CLIENT", "4"));
        assertThat(c.bindAddress()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.trustedProxies()).containsExactly("127.0.0.1", "::1");
        assertThat(c.maxRuns()).isEqualTo(8);
        assertThat(c.maxRunsPerClient()).isEqualTo(4);
        assertThat(c.queueWait()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.limits().memoryBytes()).isEqualTo(256L << 20);
        assertThat(c.stateDir()).isEqualTo(Path.of("/srv/ato"));
    }

    @Test
    void atoBindTakesHostAndPortLikeAto() {
        ServerConfig c = ServerConfig.load(Optional.empty(), Map.of("ATO_BIND", "0.0.0.0:8600"));
        assertThat(c.bindAddress()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(8600);
    }

    @Test
    void limitsCpusIsAQuotaInCpus() {
        assertThat(ServerConfig.load(Optional.empty(), Map.of("ATO_CPUS", "0.5")).limits().cpuMillis()).isEqualTo(500);
        assertThat(ServerConfig.load(Optional.empty(), Map.of()).limits().cpuMillis()).isEqualTo(1000);
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("ATO_CPUS", "0.0001"))).hasMessageContaining("ATO_CPUS");
    }

    @Test
    void unknownKeysAndBadValuesAreNamed() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "runs:\n  max-concurent: 3\n");
        assertThatThrownBy(() -> ServerConfig.load(Optional.of(f), Map.of()))
                .hasMessageContaining("runs.max-concurent").hasMessageContaining("unknown key");
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("ATO_MAX_RUNS", "many")))
                .hasMessageContaining("ATO_MAX_RUNS").hasMessageContaining("many");
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("ATO_STATE_DIR", "relative")))
                .hasMessageContaining("absolute");
    }

    @Test
    void readmeDocumentsEveryKeyWithItsVariableAndDefault() throws Exception {
        Path readme = Path.of("..", "README.md");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(readme), "README.md not found from " + Path.of("").toAbsolutePath());
        String text = Files.readString(readme);
        String section = text.substring(text.indexOf("<!-- section: server -->"), text.indexOf("<!-- end: server -->"));
        for (ServerConfig.Key k : ServerConfig.Key.values()) {
            assertThat(section).as(k.name()).contains("| `" + k.yamlName() + "` | `" + k.envName() + "` | ");
            assertThat(section).as(k.name()).containsPattern("\\| `" + java.util.regex.Pattern.quote(k.yamlName())
                    + "` \\| `" + k.envName() + "` \\| `?" + java.util.regex.Pattern.quote(k.defaultValue().replace("(none)", "none")) + "`? \\|");
        }
    }

    @Test
    void memoryCapKeepsRunsWithinMemTotal() {
        ServerConfig huge = ServerConfig.builder().limits(dev.ato.sandbox.Limits.defaults().withMemoryBytes(1L << 40)).build();
        assertThat(AtoServer.effectiveCap(huge)).isEqualTo(1);
        assertThat(AtoServer.effectiveCap(ServerConfig.builder().maxRuns(3).build())).isEqualTo(3);
    }
}
