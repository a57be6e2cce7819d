package dev.ato.hosts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.Done;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ProtocolCodec;
import dev.ato.protocol.ServerMessage;
import dev.ato.protocol.StatusType;
import dev.ato.protocol.V0Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Configuration systemd of the VM host matrix (setup/vm/matrix.sh): systemd as PID 1 on pure cgroup v2, after
 * {@code setup/install.sh --with-nginx} has run for real. Everything goes through nginx on port 80 as a
 * browser or a cross-origin client would, and the service is restarted and SIGKILLed with runs going.
 * setup/vm/guest.sh passes {@code ATO_VM_BASE} (http://127.0.0.1) and {@code ATO_VM_CGROUPS_BEFORE} (every
 * cgroup directory that existed before the install).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorPathCheck {
    static final URI BASE = URI.create(System.getenv().getOrDefault("ATO_VM_BASE", "http://127.0.0.1"));
    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    /** Time bounds are for TCG emulation, where the JVM is 50-80x slower than on hardware. */
    static final Duration START_BOUND = Duration.ofMinutes(4);
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

    @Test
    @Order(1)
    void theUnitIsDelegatedAndThePageLoadsThroughNginx() throws Exception {
        assertThat(systemctlShow("Delegate")).isEqualTo("yes");
        assertThat(systemctlShow("ActiveState")).isEqualTo("active");
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(BASE.resolve("/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("server").orElse("")).as("answered by nginx").startsWith("nginx");
        assertThat(page.body()).as("ATO's page, not nginx's welcome page").contains("<html").doesNotContain("Welcome to nginx");
    }

    @Test
    @Order(2)
    void aWebSocketRunWithAForeignOriginWorks() throws Exception {
        try (Ws ws = Ws.open("https://example.org")) {
            Ws.Outcome o = ws.run(ExecuteRequest.builder("bash").code("echo hi; echo err >&2; exit 3").build(), Duration.ofMinutes(3));
            assertThat(o.stdout()).isEqualTo("hi\n");
            assertThat(o.stderr()).isEqualTo("err\n");
            assertThat(o.done().statusType()).isEqualTo(StatusType.EXITED);
            assertThat(o.done().statusValue()).isEqualTo(3);
        }
    }

    @Test
    @Order(3)
    void v0Works() {
        V0Response r = AtoClient.executeV0(BASE, ExecuteRequest.builder("bash").code("echo v0; exit 4").build());
        assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).isEqualTo("v0\n");
        assertThat(r.done().statusValue()).isEqualTo(4);
    }

    @Test
    @Order(4)
    void aRunsCgroupIsInsideTheServicesSubtreeAndKillEndsIt() throws Exception {
        String service = systemctlShow("ControlGroup");
        Path subtree = CGROUP_ROOT.resolve(service.substring(1));
        try (Ws ws = Ws.open("https://example.org")) {
            CompletableFuture<Ws.Outcome> run = ws.start(ExecuteRequest.builder("bash").code("echo started; exec sleep 120").build());
            ws.awaitStdout("started", Duration.ofMinutes(3));
            List<Path> runCgroups = cgroupsOfSandboxProcesses();
            Set<String> outside = new TreeSet<>(cgroupDirectories(CGROUP_ROOT));
            outside.removeAll(Files.readAllLines(Path.of(System.getenv("ATO_VM_CGROUPS_BEFORE"))));
            // systemd's own units (started on demand since) are not the server's doing.
            outside.removeIf(d -> Path.of(d).startsWith(subtree) || d.matches(".*\\.(service|scope|slice|socket|mount)$"));
            // Kill first, so that a misplaced cgroup is reported without hiding whether Kill works.
            long t0 = System.nanoTime();
            ws.kill();
            Done done = run.get(2, TimeUnit.MINUTES).done();
            assertThat(done.statusType()).isEqualTo(StatusType.KILLED);
            assertThat(done.statusValue()).isEqualTo(9);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMinutes(1));
            assertThat(runCgroups).as("cgroups of the run's processes").isNotEmpty().allMatch(p -> p.startsWith(subtree));
            assertThat(outside).as("cgroups made outside " + subtree + " since before the install").isEmpty();
        }
        awaitNoRunLeft(subtree);
    }

    @Test
    @Order(5)
    void aRestartWithARunGoingLeavesNoRunAndNoCgroup() throws Exception {
        serviceDiesDuringARun(mainPid -> List.of("systemctl", "restart", "ato"));
    }

    @Test
    @Order(6)
    void aSigkillOfTheServiceLeavesNoRunAndNoCgroupOnceItIsBack() throws Exception {
        serviceDiesDuringARun(mainPid -> List.of("kill", "-9", mainPid));
    }

    /** {@code how}: the command that ends the service, given its main process's pid. */
    private static void serviceDiesDuringARun(Function<String, List<String>> how) throws Exception {
        // Up first (Restart=on-failure may still be bringing it back after an earlier check's failure), and
        // only then its pid: "kill -9 0" would kill this JVM's process group.
        String pidBefore = awaitUp("0", "service up and healthy first");
        List<String> argv = how.apply(pidBefore);
        Path subtree = CGROUP_ROOT.resolve(systemctlShow("ControlGroup").substring(1));
        // The whole tree, not only the unit's subtree: a run cgroup made outside it must go too.
        Set<String> idle = new TreeSet<>(cgroupDirectories(CGROUP_ROOT));
        Ws ws = Ws.open("https://example.org");
        try {
            ws.start(ExecuteRequest.builder("bash").code("echo started; exec sleep 300").build());
            ws.awaitStdout("started", Duration.ofMinutes(3));
            assertThat(cgroupsOfSandboxProcesses()).isNotEmpty();
            exec(argv);
        } finally {
            ws.abort();
        }
        awaitUp(pidBefore, "service back and healthy after " + argv);
        awaitNoRunLeft(subtree);
        // The sandbox's tree has a subtree per server process (p<pid>): the new server's stands where the old one's stood.
        String pidNow = systemctlShow("MainPID");
        Set<String> expected = new TreeSet<>();
        for (String d : idle) expected.add(ownerRenamed(d, pidBefore, pidNow));
        Set<String> now = new TreeSet<>(cgroupDirectories(CGROUP_ROOT));
        now.removeAll(expected);
        now.removeIf(d -> d.matches(".*\\.(service|scope|slice|socket|mount)$")); // systemd's own units
        assertThat(now).as("cgroup directories beyond those of the idle service (" + subtree + ")").isEmpty();
        assertThat(cgroupDirectories(CGROUP_ROOT)).as("the old server's subtree").noneMatch(d -> d.contains("/p" + pidBefore + "/") || d.endsWith("/p" + pidBefore));
    }

    /** Waits up to {@link #START_BOUND} for a main process other than {@code notPid} (or "0") that answers health; its pid. */
    private static String awaitUp(String notPid, String what) throws Exception {
        long until = System.nanoTime() + START_BOUND.toNanos();
        while (true) {
            String pid = systemctlShow("MainPID");
            if (!pid.equals("0") && !pid.equals(notPid) && healthy()) return pid;
            assertThat(System.nanoTime() - until).as(what).isNegative();
            Thread.sleep(1000);
        }
    }

    /** {@code dir} with its path segment {@code p<from>} (a server process's subtree) named {@code p<to>}. */
    private static String ownerRenamed(String dir, String from, String to) {
        String seg = "/p" + from;
        if (dir.endsWith(seg)) return dir.substring(0, dir.length() - seg.length()) + "/p" + to;
        return dir.replace(seg + "/", "/p" + to + "/");
    }

    /** No process of the sandbox's uid range (100000 and up) and no cgroup with a process under the subtree but the server's. */
    private static void awaitNoRunLeft(Path subtree) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cgroupsOfSandboxProcesses().isEmpty()) {
            assertThat(System.nanoTime() - until).as("processes of runs still alive: " + cgroupsOfSandboxProcesses()).isNegative();
            Thread.sleep(500);
        }
    }

    static boolean healthy() {
        try {
            return HTTP.send(HttpRequest.newBuilder(BASE.resolve("/observe/health")).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The cgroup (v2, as a path under /sys/fs/cgroup) of every process whose real uid is 100000 or more. */
    static List<Path> cgroupsOfSandboxProcesses() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String uid = Files.readAllLines(p.resolve("status")).stream().filter(l -> l.startsWith("Uid:"))
                            .findFirst().orElseThrow().split("\\s+")[1];
                    if (Integer.parseInt(uid) < 100000) continue;
                    String cg = Files.readString(p.resolve("cgroup")).strip(); // "0::/system.slice/ato.service/..."
                    out.add(CGROUP_ROOT.resolve(cg.substring(cg.indexOf("::") + 3)));
                } catch (IOException | RuntimeException e) {
                    // exited while we looked
                }
            }
        }
        return out;
    }

    static List<String> cgroupDirectories(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isDirectory).map(Path::toString).toList();
        }
    }

    static String systemctlShow(String property) throws Exception {
        return exec(List.of("systemctl", "show", "-P", property, "ato")).strip();
    }

    static String exec(List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).as(argv + " ended").isTrue();
        assertThat(p.exitValue()).as(argv + ": " + out).isZero();
        return out;
    }

    /** One WebSocket of ATO's v1 API with a chosen Origin header, as a browser on another site would open it. */
    static final class Ws implements WebSocket.Listener, AutoCloseable {
        record Outcome(String stdout, String stderr, Done done) { }

        private final ByteArrayOutputStream message = new ByteArrayOutputStream();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private CompletableFuture<Outcome> current;
        private WebSocket socket;

        static Ws open(String origin) throws Exception {
            Ws ws = new Ws();
            URI uri = URI.create("ws://" + BASE.getAuthority() + AtoClient.WS_PATH);
            ws.socket = HTTP.newWebSocketBuilder().header("Origin", origin).connectTimeout(Duration.ofSeconds(60))
                    .buildAsync(uri, ws).get(2, TimeUnit.MINUTES);
            return ws;
        }

        synchronized CompletableFuture<Outcome> start(ExecuteRequest request) {
            out.reset();
            err.reset();
            current = new CompletableFuture<>();
            socket.sendBinary(ByteBuffer.wrap(ProtocolCodec.encodeRequest(request)), true).join();
            return current;
        }

        Outcome run(ExecuteRequest request, Duration bound) throws Exception {
            return start(request).get(bound.toMillis(), TimeUnit.MILLISECONDS);
        }

        void awaitStdout(String text, Duration bound) throws Exception {
            long until = System.nanoTime() + bound.toNanos();
            while (!stdoutSoFar().contains(text)) {
                assertThat(System.nanoTime() - until).as("stdout '" + text + "' within " + bound).isNegative();
                assertThat(current).as("the run ended early").isNotCompleted();
                Thread.sleep(100);
            }
        }

        synchronized String stdoutSoFar() {
            return out.toString(StandardCharsets.UTF_8);
        }

        void kill() {
            socket.sendBinary(ByteBuffer.wrap(ProtocolCodec.encodeKill()), true).join();
        }

        void abort() {
            socket.abort();
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public synchronized CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            message.writeBytes(b);
            if (last) {
                ServerMessage m = ProtocolCodec.decodeServerMessage(message.toByteArray());
                message.reset();
                if (m instanceof ServerMessage.Stdout s) out.writeBytes(s.data());
                else if (m instanceof ServerMessage.Stderr s) err.writeBytes(s.data());
                else if (m instanceof ServerMessage.Finished f) {
                    current.complete(new Outcome(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), f.done()));
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public synchronized CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (current != null) current.completeExceptionally(new IOException("closed " + statusCode + " " + reason));
            return null;
        }

        @Override
        public synchronized void onError(WebSocket webSocket, Throwable error) {
            if (current != null) current.completeExceptionally(error);
        }

        @Override
        public void close() {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
    }
}
