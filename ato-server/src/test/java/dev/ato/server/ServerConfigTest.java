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

    /** The README's key table is the Key table, row for row: this fails when either changes alone. */
    @Test
    void readmeKeyTableIsTheKeyTable() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        String begin = "<!-- config-keys: generated from ServerConfig.Key.markdownTable() -->\n";
        String end = "<!-- /config-keys -->";
        assertThat(text).as("README markers").contains(begin).contains(end);
        String table = text.substring(text.indexOf(begin) + begin.length(), text.indexOf(end));
        assertThat(table).as("README.md's key table; replace it with ServerConfig.Key.markdownTable():%n%s",
                ServerConfig.Key.markdownTable()).isEqualTo(ServerConfig.Key.markdownTable());
    }

    @Test
    void everyDefaultParsesAndEveryKeyIsNamedOnce() {
        ServerConfig d = ServerConfig.builder().build();
        for (ServerConfig.Key<?> k : ServerConfig.Key.values()) {
            assertThat(d.get(k)).as(k.yamlName()).isEqualTo(k.parse(k.defaultValue()));
        }
        assertThat(ServerConfig.Key.values().stream().map(ServerConfig.Key::yamlName).distinct()).hasSameSizeAs(ServerConfig.Key.values());
        assertThat(ServerConfig.Key.values().stream().map(ServerConfig.Key::envName).distinct()).hasSameSizeAs(ServerConfig.Key.values());
    }

    @Test
    void builderSettersCheckAsTheFileDoes() {
        assertThatThrownBy(() -> ServerConfig.builder().port(70000)).hasMessageContaining("port out of");
        assertThatThrownBy(() -> ServerConfig.builder().allowedOrigins(java.util.List.of("https://x.org/path")))
                .hasMessageContaining("bad origin");
        assertThatThrownBy(() -> ServerConfig.load(Optional.empty(), Map.of("ATO_ALLOWED_ORIGINS", "x.org")))
                .hasMessageContaining("ATO_ALLOWED_ORIGINS");
        assertThatThrownBy(() -> ServerConfig.builder().set(ServerConfig.Key.MEMORY, 1L)).hasMessageContaining("below 4 MiB");
        assertThat(ServerConfig.load(Optional.empty(), Map.of("ATO_ALLOWED_ORIGINS", "*")).allowedOrigins()).isEmpty();
        ServerConfig c = ServerConfig.builder().limits(dev.ato.sandbox.Limits.defaults().withPids(7)).build();
        assertThat(c.limits().pids()).isEqualTo(7);
        assertThat(c.toBuilder().port(1).build().limits()).isEqualTo(c.limits());
    }

    @Test
    void memoryCapKeepsRunsWithinMemTotal() {
        ServerConfig huge = ServerConfig.builder().limits(dev.ato.sandbox.Limits.defaults().withMemoryBytes(1L << 40)).build();
        assertThat(AtoServer.effectiveCap(huge)).isEqualTo(1);
        assertThat(AtoServer.effectiveCap(ServerConfig.builder().maxRuns(3).build())).isEqualTo(3);
    }
}
