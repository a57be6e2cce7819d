package dev.ato.server.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import dev.ato.rootfs.Cmd;
import dev.ato.rootfs.TestRegistry;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's OCI image as Jib built it (profile {@code image}, target/image/ato-server.tar): pushed to a real
 * registry (Debian's docker-registry on loopback), pulled from it by podman, run privileged (the sandbox makes
 * namespaces, overlay mounts and cgroups), and asked for a run over the WebSocket API. The run reads the image's
 * own Debian version, which is not the host's.
 */
@Tag("kernel")
@Tag("registry")
class ServerImageIT {
    static final Path IMAGE = Path.of("target", "image", "ato-server.tar");

    @Test
    @Timeout(600)
    void theImageFromTheRegistryAnswersARunInPodman(@TempDir Path work) throws Exception {
        assertThat(IMAGE).as("Jib's archive (mvn -Pimage package)").exists();
        String name = "ato-image-it-" + ProcessHandle.current().pid();
        List<Path> podmanCgroups = absentPodmanCgroups();
        try (TestRegistry registry = TestRegistry.start(work.resolve("registry"), null, null)) {
            String ref = registry.host() + "/ato/ato-server:it";
            long t0 = System.nanoTime();
            Cmd.run("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci-archive:" + IMAGE.toAbsolutePath(), "docker://" + ref);
            long pushed = System.nanoTime();
            Cmd.run("podman", "pull", "--quiet", "--tls-verify=false", ref);
            long pulled = System.nanoTime();
            int port = freePort();
            try {
                Cmd.run(podman("run", "--detach", "--name", name, "--privileged", "--network=host",
                        "--ulimit", "nofile=16384:16384", "--ulimit", "nproc=32768:32768",
                        "-e", "ATO_BIND=127.0.0.1", "-e", "ATO_PORT=" + port, ref));
                awaitHealthy(name, port);
                long healthy = System.nanoTime();
                try (AtoClient ato = AtoClient.connect(URI.create("ws://127.0.0.1:" + port))) {
                    Result r = ato.run(ExecuteRequest.builder("bash")
                            .code("echo \"hello from Debian $(cat /etc/debian_version) in $(cat /proc/1/cmdline | tr '\\0' ' ')\"")
                            .build());
                    assertThat(r.done().succeeded()).as(r.done() + " " + r.stderrText()).isTrue();
                    // The host is bookworm (12.x); the image is trixie (13.x): the run's /usr is the image's.
                    assertThat(r.stdoutText()).startsWith("hello from Debian 13.").contains("ato-init");
                }
                Cmd.run(podman("stop", "--time", "90", name));
                String exit = Cmd.run("podman", "inspect", "--format", "{{.State.ExitCode}}", name).strip();
                assertThat(exit).as("exit status after SIGTERM (a drain)").isEqualTo("0");
                System.out.printf("image: push %.1f s, pull %.1f s, start to healthy %.1f s, exit after SIGTERM %s%n",
                        (pushed - t0) / 1e9, (pulled - pushed) / 1e9, (healthy - pulled) / 1e9, exit);
            } finally {
                List<String> logs = new ArrayList<>();
                try {
                    logs.add(Cmd.run("podman", "logs", name));
                } catch (AssertionError e) {
                    logs.add("(no logs: " + e.getMessage() + ")");
                }
                Files.writeString(Path.of("target", "image", "podman-run.log"), String.join("\n", logs));
                runQuietly("podman", "rm", "--force", name);
                runQuietly("podman", "rmi", "--force", ref);
                removeEmpty(podmanCgroups);
            }
        }
    }

    /**
     * A podman command line with runc as the runtime: Debian's default, crun 1.8, refuses hosts with cgroup v1
     * controllers and a cgroup v2 hierarchy holding a controller too ("cgroups in hybrid mode not supported"),
     * as on the development VM. The explicit ulimits stay under the caller's hard limits: podman's defaults
     * (1048576 files, 4194304 processes) need CAP_SYS_RESOURCE to raise them, which a container host may not give.
     */
    static List<String> podman(String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", "runc"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static void awaitHealthy(String name, int port) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            String state = Cmd.run("podman", "inspect", "--format", "{{.State.Status}}", name).strip();
            if (!state.equals("running")) {
                throw new AssertionError("container " + state + ":\n" + Cmd.run("podman", "logs", name));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/observe/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
                last = r.statusCode() + " " + r.body();
            } catch (java.io.IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not healthy within 120 s (" + last + "):\n" + Cmd.run("podman", "logs", name));
    }

    /**
     * The cgroups podman's cgroupfs manager makes for conmon on first use ({@code <controller>/libpod_parent/conmon})
     * and never removes, where they do not exist yet: the test removes those again (when empty).
     */
    private static List<Path> absentPodmanCgroups() throws java.io.IOException {
        List<Path> out = new ArrayList<>();
        try (var s = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path ctrl : s.toList()) {
                Path parent = ctrl.resolve("libpod_parent");
                if (Files.isDirectory(ctrl) && !Files.exists(parent)) {
                    out.add(parent.resolve("conmon"));
                    out.add(parent);
                }
            }
        }
        return out;
    }

    private static void removeEmpty(List<Path> cgroups) {
        for (Path p : cgroups) {
            try {
                Files.deleteIfExists(p);
            } catch (java.io.IOException e) {
                // still in use (or not empty): not ours to force
            }
        }
    }

    private static void runQuietly(String... cmd) {
        try {
            Cmd.run(cmd);
        } catch (AssertionError e) {
            // cleanup of something that may not exist
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }
}
