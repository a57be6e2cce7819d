package dev.ato.server.cluster;

import dev.ato.server.TestDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A cluster on this machine, touching no address outside it: N real {@code ato serve} processes (the server's
 * main in child JVMs), each in a network namespace of its own with an address of a test range (198.18.0.0/15,
 * RFC 2544's benchmarking range) on a veth to a bridge in a hub namespace, and HAProxy with the shipped
 * {@code setup/cluster/haproxy.cfg} on 127.0.0.1, reaching the bridge through one more veth whose host end holds
 * the subnet's {@code .1}. Every name carries this JVM's pid ({@code atoc<pid>-...}), so that a later run
 * recognises what a crashed one left behind (its owner is dead) and removes it before starting.
 */
final class LocalCluster implements AutoCloseable {
    static final int NODE_PORT = 8500;
    private static final Pattern OWNED = Pattern.compile("atoc(\\d+)(-.*)?");
    private static final Path RUN_ROOT = Path.of("/run");
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private final long owner = ProcessHandle.current().pid();
    private final String id = "atoc" + owner;
    private final Path dir = RUN_ROOT.resolve(id);
    private final String hub = id + "-hub";
    private final String hostLink = "ac" + owner + "h";
    private final Map<String, String> nodeSettings;
    private final List<Node> nodes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String subnet;
    private Process haproxy;
    private int port;

    private LocalCluster(Map<String, String> nodeSettings) {
        this.nodeSettings = nodeSettings;
    }

    /**
     * Builds the network, starts {@code n} nodes and HAProxy, and returns once HAProxy reports every node up.
     *
     * @param nodeSettings extra YAML lines per section ("runs" -> "max-per-client: 2\n"), for every node
     */
    static LocalCluster start(int n, Map<String, String> nodeSettings) throws Exception {
        sweepLeftovers();
        LocalCluster c = new LocalCluster(nodeSettings);
        try {
            c.build(n);
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private void build(int n) throws Exception {
        Files.createDirectories(dir);
        subnet = freeSubnet();
        ip("netns", "add", hub);
        ip("-n", hub, "link", "set", "lo", "up");
        ip("-n", hub, "link", "add", "br0", "type", "bridge");
        ip("-n", hub, "link", "set", "br0", "up");
        ip("link", "add", hostLink, "type", "veth", "peer", "name", "host0", "netns", hub);
        ip("-n", hub, "link", "set", "host0", "master", "br0", "up");
        ip("addr", "add", balancerAddress() + "/24", "dev", hostLink);
        ip("link", "set", hostLink, "up");
        for (int i = 1; i <= n; i++) {
            Node node = new Node(this, i);
            nodes.add(node);
            ip("netns", "add", node.netns);
            ip("-n", node.netns, "link", "set", "lo", "up");
            ip("-n", hub, "link", "add", "n" + i, "type", "veth", "peer", "name", "eth0", "netns", node.netns);
            ip("-n", hub, "link", "set", "n" + i, "master", "br0", "up");
            ip("-n", node.netns, "addr", "add", node.address + "/24", "dev", "eth0");
            ip("-n", node.netns, "link", "set", "eth0", "up");
        }
        for (Node node : nodes) node.start();
        for (Node node : nodes) node.awaitHealthy(Duration.ofSeconds(90));
        startHaproxy();
        awaitStatus(Duration.ofSeconds(20), nodes, "UP");
    }

    /** The address HAProxy connects to the nodes from: the nodes trust its X-Forwarded-For. */
    String balancerAddress() {
        return subnet + "1";
    }

    List<Node> nodes() {
        return nodes;
    }

    /** HAProxy's front: {@code ws://127.0.0.1:PORT}. */
    URI uri() {
        return URI.create("ws://127.0.0.1:" + port);
    }

    int port() {
        return port;
    }

    Path dir() {
        return dir;
    }

    // ---- HAProxy -------------------------------------------------------------------------------------------

    /** The repository's setup/cluster/haproxy.cfg (tests run with the module directory as working directory). */
    static Path shippedConfig() {
        Path p = Path.of("").toAbsolutePath().getParent().resolve("setup/cluster/haproxy.cfg");
        if (!Files.isRegularFile(p)) throw new IllegalStateException("no " + p);
        return p;
    }

    /** The shipped configuration with this cluster's nodes in place of its example {@code server} lines. */
    static String configFor(List<String> serverLines) throws IOException {
        List<String> out = new ArrayList<>();
        boolean placed = false;
        for (String line : Files.readAllLines(shippedConfig())) {
            if (line.matches("\\s+server\\s.*")) {
                if (!placed) {
                    for (String s : serverLines) out.add("    " + s);
                    placed = true;
                }
                continue;
            }
            out.add(line);
        }
        if (!placed) throw new IllegalStateException(shippedConfig() + " has no server lines");
        return String.join("\n", out) + "\n";
    }

    private void startHaproxy() throws Exception {
        List<String> servers = new ArrayList<>();
        for (Node node : nodes) servers.add("server " + node.name + " " + node.address + ":" + NODE_PORT);
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, configFor(servers));
        port = freePort();
        haproxy = startHaproxy(cfg, "127.0.0.1:" + port, adminSocket(), dir.resolve("haproxy.log"));
        Files.writeString(dir.resolve("haproxy.pid"), Long.toString(haproxy.pid()));
    }

    /** Starts {@code haproxy -db} (foreground) on a configuration; used by the test and the benchmark. */
    static Process startHaproxy(Path cfg, String listen, Path admin, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("haproxy", "-db", "-f", cfg.toString());
        pb.environment().put("ATO_LISTEN", listen);
        pb.environment().put("ATO_HAPROXY_ADMIN", admin.toString());
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    Path adminSocket() {
        return dir.resolve("admin.sock");
    }

    /** One command on HAProxy's admin socket, and its answer. */
    String admin(String command) throws IOException {
        return admin(adminSocket(), command);
    }

    static String admin(Path socket, String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(16384);
            while (ch.read(buf) > 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString(StandardCharsets.US_ASCII);
        }
    }

    /** Each server's status as HAProxy sees it now ("UP", "DOWN", "UP 1/2", "MAINT", ...). */
    Map<String, String> serverStatus() throws IOException {
        String csv = admin("show stat");
        String[] lines = csv.split("\n");
        List<String> header = List.of(lines[0].replaceFirst("^# ", "").split(","));
        int px = header.indexOf("pxname");
        int sv = header.indexOf("svname");
        int st = header.indexOf("status");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(",", -1);
            if (f.length > st && f[px].equals("ato_nodes") && !f[sv].equals("BACKEND")) out.put(f[sv], f[st]);
        }
        return out;
    }

    /** Client address -> node name, from the backend's stick table. */
    Map<String, String> stickTable() throws IOException {
        Map<String, String> out = new HashMap<>();
        Matcher m = Pattern.compile("key=(\\S+) .*server_id=(\\d+)").matcher(admin("show table ato_nodes"));
        while (m.find()) out.put(m.group(1), "node" + m.group(2));
        return out;
    }

    /** Client address -> the nodes it has connections to now, from HAProxy's open sessions. */
    Map<String, java.util.Set<String>> sessions() throws IOException {
        Map<String, java.util.Set<String>> out = new HashMap<>();
        Matcher m = Pattern.compile("src=([0-9.]+):\\d+ .*?srv=(\\S+)").matcher(admin("show sess"));
        while (m.find()) out.computeIfAbsent(m.group(1), k -> new java.util.TreeSet<>()).add(m.group(2));
        return out;
    }

    void awaitStatus(Duration max, List<Node> which, String status) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        Map<String, String> now = Map.of();
        while (System.nanoTime() < deadline) {
            if (haproxy != null && !haproxy.isAlive()) {
                throw new AssertionError("haproxy exited with " + haproxy.exitValue() + ":\n" + tail(dir.resolve("haproxy.log")));
            }
            try {
                now = serverStatus();
            } catch (IOException e) {
                now = Map.of("admin socket", e.toString()); // not listening yet
            }
            Map<String, String> seen = now;
            if (which.stream().allMatch(nd -> status.equals(seen.get(nd.name)))) return;
            Thread.sleep(100);
        }
        throw new AssertionError("HAProxy did not report " + which.stream().map(nd -> nd.name).toList() + " " + status
                + " within " + max + ": " + now + "\n" + tail(dir.resolve("haproxy.log")));
    }

    // ---- nodes ---------------------------------------------------------------------------------------------

    /** One {@code ato serve} process in its own network namespace, with its own state dir and cgroup name. */
    static final class Node {
        final LocalCluster cluster;
        final int index;
        final String name;
        final String netns;
        final String address;
        final String cgroupName;
        final Path dir;
        final Path log;
        Process process;
        private int starts;

        Node(LocalCluster cluster, int index) {
            this.cluster = cluster;
            this.index = index;
            this.name = "node" + index;
            this.netns = cluster.id + "-n" + index;
            this.address = cluster.subnet + (10 + index);
            this.cgroupName = cluster.id + "-n" + index;
            this.dir = cluster.dir.resolve(name);
            this.log = dir.resolve("serve.log");
        }

        void start() throws IOException {
            Files.createDirectories(dir);
            StringBuilder yaml = new StringBuilder();
            yaml.append("server:\n  bind: ").append(address).append("\n  port: ").append(NODE_PORT)
                    .append("\n  trusted-proxies: [").append(cluster.balancerAddress()).append("]\n  health-cache: 2s\n")
                    .append(cluster.nodeSettings.getOrDefault("server", "").indent(2));
            for (String section : List.of("runs", "limits")) {
                String extra = cluster.nodeSettings.getOrDefault(section, "");
                if (!extra.isBlank()) yaml.append(section).append(":\n").append(extra.indent(2));
            }
            yaml.append("paths:\n  state-dir: ").append(dir.resolve("state")).append("\n  run-dir: ")
                    .append(dir.resolve("run")).append("\n  image-dir: ").append(dir.resolve("images"))
                    .append("\n  cgroup: ").append(cgroupName).append("\n");
            Path cfg = dir.resolve("config.yaml");
            Files.writeString(cfg, yaml);
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            // nsenter enters the network namespace only (`ip netns exec` would also remount /sys, hiding the
            // cgroup hierarchies the sandbox needs) and execs java: the process is the JVM itself.
            ProcessBuilder pb = new ProcessBuilder("nsenter", "--net=/run/netns/" + netns, "--",
                    javaBin, "-Xmx256m", "-XX:+UseSerialGC", "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"), "dev.ato.cli.Main", "serve", "--config", cfg.toString());
            pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Files.writeString(log, "---- start " + (++starts) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = pb.start();
        }

        URI uri() {
            return URI.create("http://" + address + ":" + NODE_PORT);
        }

        /** Waits for {@code /observe/health} to answer 200 straight from the node (not through HAProxy). */
        void awaitHealthy(Duration max) throws Exception {
            long deadline = System.nanoTime() + max.toNanos();
            String last = "no answer";
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail(log));
                }
                try {
                    HttpResponse<String> r = get("/observe/health");
                    if (r.statusCode() == 200) return;
                    last = r.statusCode() + " " + r.body();
                } catch (IOException e) {
                    last = e.toString();
                }
                Thread.sleep(200);
            }
            throw new AssertionError(name + " not healthy within " + max + " (" + last + "):\n" + tail(log));
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return cluster.http.send(HttpRequest.newBuilder(uri().resolve(path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        /** The node's {@code ato_runs_total}, all outcomes (0 when it cannot be asked). */
        long runsTotal() throws IOException, InterruptedException {
            long sum = 0;
            for (String line : get("/observe/metrics").body().split("\n")) {
                if (line.startsWith("ato_runs_total")) sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
            return sum;
        }

        /** SIGKILL, and wait for the process to be gone. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** SIGTERM (a drain); the caller waits. */
        void terminate() {
            process.destroy();
        }

        /** The run cgroups under this node's cgroup name, in every controller hierarchy. */
        List<Path> cgroupLeftovers() throws IOException {
            List<Path> out = new ArrayList<>();
            for (Path ctrl : controllers()) {
                Path mine = ctrl.resolve(cgroupName);
                if (!Files.isDirectory(mine, LinkOption.NOFOLLOW_LINKS)) continue;
                try (Stream<Path> s = Files.walk(mine)) {
                    s.filter(p -> !p.equals(mine) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(out::add);
                }
            }
            return out;
        }

        void stop() {
            if (process == null || !process.isAlive()) return;
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- teardown and leftovers ----------------------------------------------------------------------------

    /** Stops HAProxy and every node, removes every namespace, link, cgroup and file this cluster made. */
    @Override
    public void close() {
        List<Throwable> errors = new ArrayList<>();
        if (haproxy != null) {
            haproxy.destroy();
            try {
                if (!haproxy.waitFor(10, TimeUnit.SECONDS)) haproxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                haproxy.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        // SIGTERM to all first: their drains run side by side.
        for (Node node : nodes) {
            if (node.process != null) node.process.destroy();
        }
        for (Node node : nodes) {
            try {
                node.stop();
            } catch (RuntimeException e) {
                errors.add(e);
            }
        }
        keepLogs();
        try {
            removeOwnedBy(owner);
        } catch (RuntimeException e) {
            errors.add(e);
        }
        if (!errors.isEmpty()) {
            IllegalStateException e = new IllegalStateException("cluster teardown: " + errors.getFirst(), errors.getFirst());
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /** Copies HAProxy's and the nodes' logs to target/cluster-logs before the directory goes. */
    private void keepLogs() {
        Path to = Path.of("target", "cluster-logs");
        try (Stream<Path> s = Files.walk(dir)) {
            Files.createDirectories(to);
            for (Path log : s.filter(p -> p.toString().endsWith(".log") && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                Files.copy(log, to.resolve(dir.relativize(log).toString().replace('/', '-')),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // logs are a help, not a result
        }
    }

    /** Removes what a cluster whose owning JVM is dead left behind (a crashed or killed earlier run). */
    static void sweepLeftovers() {
        java.util.Set<Long> owners = new java.util.TreeSet<>();
        for (String ns : netnsNames()) ownerOf(ns).ifPresent(owners::add);
        Matcher links = Pattern.compile(" ac(\\d+)h@").matcher(run(true, "ip", "-o", "link", "show"));
        while (links.find()) owners.add(Long.parseLong(links.group(1)));
        List<Path> places = new ArrayList<>(controllers());
        places.add(RUN_ROOT);
        for (Path place : places) {
            try (Stream<Path> s = Files.list(place)) {
                s.map(p -> p.getFileName().toString()).forEach(n -> ownerOf(n).ifPresent(owners::add));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        long self = ProcessHandle.current().pid();
        for (long pid : owners) {
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            if (pid != self && !alive) removeOwnedBy(pid);
        }
    }

    private static java.util.Optional<Long> ownerOf(String name) {
        Matcher m = OWNED.matcher(name);
        return m.matches() ? java.util.Optional.of(Long.parseLong(m.group(1))) : java.util.Optional.empty();
    }

    /**
     * Kills the processes left in the owner's namespaces and its HAProxy (by the pids recorded, checked to be
     * haproxy), deletes its namespaces (their veths go with them, and so does the host end of the hub's), its
     * empty cgroups and its directory under /run.
     */
    private static void removeOwnedBy(long pid) {
        String prefix = "atoc" + pid + "-";
        Path dir = RUN_ROOT.resolve("atoc" + pid);
        Path pidFile = dir.resolve("haproxy.pid");
        if (pid != ProcessHandle.current().pid() && Files.isRegularFile(pidFile, LinkOption.NOFOLLOW_LINKS)) {
            try {
                long hp = Long.parseLong(Files.readString(pidFile).trim());
                ProcessHandle.of(hp).filter(h -> h.info().command().orElse("").endsWith("haproxy"))
                        .ifPresent(ProcessHandle::destroyForcibly);
            } catch (IOException | NumberFormatException e) {
                // an unreadable pid file: nothing to kill by it
            }
        }
        // The host's end of the hub's veth: deleted with it, but a namespace goes away asynchronously, so at once.
        String hostLink = "ac" + pid + "h";
        if (run(true, "ip", "-o", "link", "show").contains(" " + hostLink + "@")) run(false, "ip", "link", "del", hostLink);
        for (String ns : netnsNames()) {
            if (!ns.startsWith(prefix)) continue;
            for (String p : run(true, "ip", "netns", "pids", ns).split("\\s+")) {
                if (p.isBlank()) continue;
                ProcessHandle.of(Long.parseLong(p)).ifPresent(h -> {
                    h.destroyForcibly();
                    h.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(x -> h).join();
                });
            }
            run(false, "ip", "netns", "del", ns);
        }
        for (Path ctrl : controllers()) {
            try (Stream<Path> s = Files.list(ctrl)) {
                for (Path cg : s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) removeCgroupTree(cg);
            } catch (IOException e) {
                // a controller that cannot be listed holds nothing of ours
            }
        }
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) TestDirs.deleteTree(dir);
    }

    private static void removeCgroupTree(Path cg) throws IOException {
        if (!Files.isDirectory(cg, LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> all;
        try (Stream<Path> s = Files.walk(cg)) {
            all = s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        for (Path p : all.reversed()) {
            try {
                Files.delete(p);
            } catch (IOException e) {
                throw new IOException("cannot remove cgroup " + p + ": " + e, e);
            }
        }
    }

    private static List<Path> controllers() {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(CGROUP_ROOT)) {
            s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static List<String> netnsNames() {
        List<String> out = new ArrayList<>();
        for (String line : run(true, "ip", "netns", "list").split("\n")) {
            if (!line.isBlank()) out.add(line.trim().split("\\s+")[0]);
        }
        return out;
    }

    /** A 198.18.X.0/24 that no address or route of this host's namespace uses yet. */
    private String freeSubnet() {
        String used = run(true, "ip", "-4", "addr") + run(true, "ip", "-4", "route");
        for (int i = 0; i < 256; i++) {
            int x = (int) ((owner + i) % 256);
            String s = "198.18." + x + ".";
            if (!used.contains(s)) return s;
        }
        throw new IllegalStateException("no free /24 in 198.18.0.0/16");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private static void ip(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        run(true, cmd);
    }

    /** Runs a command; with {@code check}, a non-zero exit is an error naming the command and its output. */
    static String run(boolean check, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (check && rc != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed (" + rc + "): " + out.strip());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", cmd) + " interrupted", e);
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log " + log + ")";
        }
    }
}
