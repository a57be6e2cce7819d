package dev.ato.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.protocol.AtoClientException;
import dev.ato.server.cluster.ClusterLoad.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three real nodes behind HAProxy with the shipped configuration, on this machine only (see {@link LocalCluster}):
 * load spread over the nodes with each client kept on one, the per-client cap holding across the cluster, a
 * node killed with SIGKILL mid-load, its restart and its return to the balancer. The methods run in order on
 * one cluster (starting three JVMs costs more than all the runs).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("kernel")
@Tag("proxy")
class ClusterTest {
    static final int NODES = 3;
    static final int CLIENTS = 16;
    /** One more connection per client than the per-client cap: the cap, not the client, limits its overlap. */
    static final int PER_CLIENT_CAP = 2;
    static final int CONNECTIONS = PER_CLIENT_CAP + 1;
    static final int CLIENT_BASE = 20;
    static final int DRAIN_RUNS = 480;
    /** Enough that runs go on for seconds after the killed JVM is gone (dying takes up to a second or two). */
    static final int KILL_RUNS = 400;

    LocalCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        // Drain: 8 s still taking runs (HAProxy needs two checks, 1 s apart, to see the 503; a check may take
        // seconds on this loaded 2-core machine), then 20 s for runs in flight.
        cluster = LocalCluster.start(NODES, Map.of("runs", "max-per-client: " + PER_CLIENT_CAP + "\n",
                "server", "drain-delay: 8s\ndrain-grace: 20s\n"));
    }

    @AfterAll
    void removeEverything() {
        if (cluster == null) return;
        Path dir = cluster.dir();
        String prefix = dir.getFileName() + "-";
        cluster.close();
        assertThat(LocalCluster.run(true, "ip", "netns", "list")).as("namespaces left").doesNotContain(prefix);
        assertThat(LocalCluster.run(true, "ip", "-o", "link")).as("host veth left")
                .doesNotContain("ac" + ProcessHandle.current().pid() + "h");
        assertThat(Files.exists(dir)).as(dir + " left").isFalse();
        assertThat(LocalCluster.run(true, "find", "/sys/fs/cgroup", "-maxdepth", "2", "-name", prefix + "*"))
                .as("cgroups left").isBlank();
    }

    @Test
    @Order(1)
    @Timeout(180)
    void threeHundredRunsFromSixteenClientsSpreadStickyAndCapped() throws Exception {
        // Each client's first contact is one connection: HAProxy stores a client's node in the stick table when
        // the node answers, so connections a new client opens at the same instant may be placed apart (README).
        List<Run> first = ClusterLoad.drive(cluster.uri(), CLIENT_BASE, CLIENTS, 1, CLIENTS, 1, "0", n -> { });
        assertThat(first.stream().filter(r -> !r.ok()).map(Run::describe).toList()).as("first runs").isEmpty();

        Map<String, Long> before = runsPerNode();
        List<Run> runs = ClusterLoad.drive(cluster.uri(), CLIENT_BASE, CLIENTS, CONNECTIONS, 300, "0.15", n -> { });

        assertThat(runs).hasSize(300);
        assertThat(runs.stream().filter(r -> !r.ok()).map(Run::describe).toList()).as("failed runs").isEmpty();
        Map<String, Long> served = delta(before, runsPerNode());
        assertThat(served.values()).as("runs per node " + served + ", stick table " + cluster.stickTable()
                + ", HAProxy " + cluster.serverStatus()).allMatch(n -> n > 0);
        assertThat(served.values().stream().mapToLong(Long::longValue).sum()).as("runs counted by the nodes").isEqualTo(300);

        // Each client address is stuck to one node, and the nodes between them took all the clients.
        Map<String, String> table = cluster.stickTable();
        for (int c = 0; c < CLIENTS; c++) {
            assertThat(table).as("stick table").containsKey(ClusterLoad.clientAddress(CLIENT_BASE, c).getHostAddress());
        }
        assertThat(new HashSet<>(table.values())).as("nodes in the stick table " + table).hasSize(NODES);

        // Three connections per client, a cap of two per client on each node: with every client kept on one node,
        // no client ever had three runs going at once anywhere in the cluster.
        Map<Integer, Integer> overlap = ClusterLoad.maxOverlapPerClient(runs);
        assertThat(overlap.values()).as("most runs at once per client " + overlap).allMatch(n -> n <= PER_CLIENT_CAP);
        assertThat(overlap.values()).as("the cap was reached (else this proves nothing) " + overlap).contains(PER_CLIENT_CAP);
    }

    @Test
    @Order(2)
    @Timeout(240)
    void aNodeDrainedMidLoadLosesNoRunAndExitsCleanly() throws Exception {
        LocalCluster.Node victim = busiestNode();
        Set<Integer> victimClients = clientsOf(victim);

        AtomicLong termAt = new AtomicLong();
        // Long enough (about 11 s) that the victim's clients, whose open WebSockets stay on it, are still sending
        // when its drain delay ends and it refuses new runs (1013): they reconnect and HAProxy places them elsewhere.
        List<Run> runs = ClusterLoad.drive(cluster.uri(), CLIENT_BASE, CLIENTS, CONNECTIONS, DRAIN_RUNS, "0.6", finished -> {
            if (finished == 60) {
                termAt.set(System.nanoTime());
                victim.terminate();
            }
        });
        long term = termAt.get();
        assertThat(term).as("the SIGTERM happened").isPositive();
        assertThat(victim.process.waitFor(60, TimeUnit.SECONDS)).as("drained node exited").isTrue();
        Duration drainTook = Duration.ofNanos(System.nanoTime() - term);
        assertThat(victim.process.exitValue()).as("exit status after a drain\n" + LocalCluster.tail(victim.log)).isZero();

        assertThat(runs).hasSize(DRAIN_RUNS);
        assertThat(runs.stream().filter(r -> !r.ok()).map(Run::describe).toList()).as("runs lost to the drain").isEmpty();
        int refused = runs.stream().mapToInt(Run::refusals).sum();
        assertThat(runs.stream().filter(r -> victimClients.contains(r.client()) && r.t0() > term))
                .as("the drained node's clients went on (elsewhere)").isNotEmpty();
        // A drain cleans up: no cgroup of the node is left.
        assertThat(LocalCluster.run(true, "find", "/sys/fs/cgroup", "-maxdepth", "2", "-name", victim.cgroupName))
                .as("cgroups of the drained node").isBlank();
        cluster.awaitStatus(Duration.ofSeconds(10), List.of(victim), "DOWN");
        System.out.printf("cluster: SIGTERM of %s with %d clients on it mid-load: 0 of %d runs lost, %d refusals (1013, "
                + "never started) sent again elsewhere, exit 0 %d ms after the SIGTERM%n",
                victim.name, victimClients.size(), DRAIN_RUNS, refused, drainTook.toMillis());

        victim.start();
        victim.awaitHealthy(Duration.ofSeconds(90));
        cluster.awaitStatus(Duration.ofSeconds(10), List.of(victim), "UP");
    }

    @Test
    @Order(3)
    @Timeout(180)
    void aNodeKilledMidLoadLosesOnlyItsInFlightRunsEachWithAPromptClose() throws Exception {
        LocalCluster.Node victim = busiestNode();
        String victimName = victim.name;
        Set<Integer> victimClients = clientsOf(victim);

        AtomicLong killedAt = new AtomicLong();
        AtomicLong goneAt = new AtomicLong();
        List<Path> leftovers = new java.util.concurrent.CopyOnWriteArrayList<>();
        Set<String> onVictim = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<Run> runs = ClusterLoad.drive(cluster.uri(), CLIENT_BASE, CLIENTS, CONNECTIONS, KILL_RUNS, "0.4", finished -> {
            if (finished == 60) {
                try {
                    // Which clients have a connection to the victim at this instant (HAProxy's open sessions).
                    cluster.sessions().forEach((ip, servers) -> {
                        if (servers.contains(victimName)) onVictim.add(ip);
                    });
                    killedAt.set(System.nanoTime());
                    victim.kill();
                    // A JVM takes a while to die: until it has, a connection may still reach it (and end with 502).
                    goneAt.set(System.nanoTime());
                    // Taken at once: any other process's Sandbox.create on this host sweeps a dead owner's cgroups.
                    leftovers.addAll(victim.cgroupLeftovers());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        long kill = killedAt.get();
        long gone = goneAt.get();
        assertThat(gone).as("the kill happened").isPositive();

        List<Run> lost = runs.stream().filter(r -> !r.ok()).toList();
        String report = lost.stream().map(r -> r.describe() + " after " + (r.t1() - kill) / 1_000_000 + " ms")
                .collect(Collectors.joining("\n"));
        assertThat(lost).as("the kill of " + victimName + " (clients " + victimClients + ") caught runs in flight "
                + "(else this proves nothing); runs of its clients: " + runs.stream().filter(r -> victimClients.contains(r.client())).count())
                .isNotEmpty();
        for (Run r : lost) {
            assertThat(onVictim).as("lost run of a client with no connection to " + victimName + " (stick table "
                    + victimClients + "): " + r.describe()).contains(ClusterLoad.clientAddress(CLIENT_BASE, r.client()).getHostAddress());
            assertThat(r.opened()).as("lost run on a connection opened after the killed process was gone ("
                    + (gone - kill) / 1_000_000 + " ms after the SIGKILL): " + r.describe()).isLessThan(gone);
            assertThat(Duration.ofNanos(r.t1() - kill)).as("close came promptly: " + r.describe())
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(isCleanClose(r.error())).as("clean close (1011, 1006 or the connection's end): " + r.describe()).isTrue();
        }
        Map<String, Long> perConnection = lost.stream()
                .collect(Collectors.groupingBy(r -> r.client() + "/" + r.connection(), Collectors.counting()));
        assertThat(perConnection.values()).as("at most one run lost per connection\n" + report).allMatch(n -> n == 1);

        List<Run> later = runs.stream().filter(r -> r.opened() > gone).toList();
        // (Their reconnects may predate the JVM's end, so their runs are told by start time.)
        assertThat(runs.stream().filter(r -> victimClients.contains(r.client()) && r.t0() > gone && r.ok()))
                .as("the killed node's clients went on elsewhere").isNotEmpty();
        assertThat(later.stream().filter(r -> !r.ok()).map(Run::describe).toList()).as("runs after the kill").isEmpty();
        assertThat(runs.stream().filter(r -> !onVictim.contains(ClusterLoad.clientAddress(CLIENT_BASE, r.client()).getHostAddress())
                && !r.ok()).map(Run::describe).toList()).as("runs of the other nodes' clients").isEmpty();
        System.out.printf("cluster: SIGKILL of %s with %d clients on it: %d of %d runs lost, closes %d-%d ms after the kill "
                + "(the JVM was gone after %d ms)%n", victimName, victimClients.size(), lost.size(), KILL_RUNS,
                lost.stream().mapToLong(r -> (r.t1() - kill) / 1_000_000).min().orElse(0),
                lost.stream().mapToLong(r -> (r.t1() - kill) / 1_000_000).max().orElse(0), (gone - kill) / 1_000_000);

        // The restart sweeps what the dead process left, and HAProxy takes the node back once it is healthy.
        assertThat(leftovers).as("run cgroups the killed node left behind").isNotEmpty();
        cluster.awaitStatus(Duration.ofSeconds(10), List.of(victim), "DOWN");
        victim.start();
        victim.awaitHealthy(Duration.ofSeconds(90));
        List<Path> after = victim.cgroupLeftovers();
        assertThat(after).as("leftovers after the restart").doesNotContainAnyElementsOf(leftovers);
        cluster.awaitStatus(Duration.ofSeconds(10), List.of(victim), "UP");

        // Fresh clients: the least loaded node (the empty one) gets some of them.
        List<Run> fresh = ClusterLoad.drive(cluster.uri(), 100, 6, 1, 24, "0.3", n -> { });
        assertThat(fresh.stream().filter(r -> !r.ok()).map(Run::describe).toList()).as("runs after the rejoin").isEmpty();
        assertThat(victim.runsTotal()).as("runs served by the restarted node").isPositive();
    }

    /** The node with the most clients in HAProxy's stick table. */
    private LocalCluster.Node busiestNode() throws Exception {
        String name = cluster.stickTable().values().stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()))
                .entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        return cluster.nodes().stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
    }

    /** The clients (by index) the stick table keeps on a node. */
    private Set<Integer> clientsOf(LocalCluster.Node node) throws Exception {
        Map<String, String> table = cluster.stickTable();
        Set<Integer> out = new HashSet<>();
        for (int c = 0; c < CLIENTS; c++) {
            if (node.name.equals(table.get(ClusterLoad.clientAddress(CLIENT_BASE, c).getHostAddress()))) out.add(c);
        }
        return out;
    }

    private static boolean isCleanClose(Throwable t) {
        if (t instanceof AtoClientException.ServerClosed sc) return sc.code() == 1011 || sc.code() == 1006;
        // java.net.http reports a connection that ended without a close frame as an IOException (EOF, reset); a
        // WebSocket opened while the node was dying is answered 502 by HAProxy (the run was never sent).
        return t instanceof AtoClientException e && (e.getCause() instanceof java.io.IOException
                || e.getCause() instanceof java.net.http.WebSocketHandshakeException h && h.getResponse().statusCode() == 502);
    }

    private Map<String, Long> runsPerNode() throws Exception {
        Map<String, Long> out = new HashMap<>();
        for (LocalCluster.Node n : cluster.nodes()) out.put(n.name, n.runsTotal());
        return out;
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> out = new HashMap<>();
        after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0L)));
        return out;
    }
}
