package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Limits;
import dev.ato.sandbox.OutputStreamKind;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunResult;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.StatusType;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sandbox against the real kernel, as root. Each test also checks that nothing is left behind. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@Tag("kernel")
class LinuxSandboxTest {
    static final SandboxConfig CONFIG = SandboxConfig.builder().stateDir(Path.of("/run/ato-test-sandbox"))
            .cgroupName("ato-test-sandbox").idBase(300000, 300000)
                .clientLimits(4L << 30, 1024).build();
    @RegisterExtension
    static final SandboxFixture FIXTURE = new SandboxFixture(CONFIG);
    static Sandbox sandbox;
    static byte[] probe;
    /** Multiplies time bounds where the machine is slow by design: the VM host matrix's emulated CPUs set it. */
    static final int TIME_SCALE = Integer.getInteger("ato.test.time-scale", 1);

    @BeforeAll
    static void start() {
        sandbox = FIXTURE.sandbox;
        probe = FIXTURE.probe;
    }

    static CompletedRun bash(String script) {
        return sandbox.run(RunSpec.builder().runnerScript(script).build());
    }

    /** Runs the probe (given as /ATO/code) with a shell snippet where "$P" is its path. */
    static CompletedRun withProbe(String script) {
        return sandbox.run(RunSpec.builder().code(probe)
                .runnerScript("cp /ATO/code /tmp/probe && chmod 755 /tmp/probe && P=/tmp/probe\n" + script).build());
    }

    @Test
    void stdoutStderrAndExitCodeReachTheCaller() {
        CompletedRun r = bash("echo out; echo err >&2; exit 3");
        assertThat(r.stdoutText()).isEqualTo("out\n");
        assertThat(r.stderrText()).isEqualTo("err\n");
        assertThat(r.result().statusType()).isEqualTo(StatusType.EXITED);
        assertThat(r.result().statusValue()).isEqualTo(3);
        assertThat(r.result().timedOut()).isFalse();
        assertThat(r.result().realNanos()).isPositive();
    }

    @Test
    void theProgramMayReopenItsOutputThroughDevAndProc() {
        CompletedRun r = bash("echo hi > /dev/stdout; echo err > /dev/stderr; echo fd1 > /proc/self/fd/1; echo fd2 >> /proc/self/fd/2;"
                + " /ATO/bash -c 'echo child > /dev/stdout'; stat -L -c '%u %a' /dev/stdout");
        assertThat(r.stderrText()).isEqualTo("err\nfd2\n");
        assertThat(r.stdoutText()).isEqualTo("hi\nfd1\nchild\n0 600\n");
        assertThat(r.result().succeeded()).isTrue();
    }

    @Test
    void stdinIsTheInputAndCodeIsInATO() {
        CompletedRun r = sandbox.run(RunSpec.builder().code("echo from code").input("line1\nline2\n")
                .runnerScript("cat; /ATO/bash /ATO/code; pwd; stat -c '%u %g %a' /ATO/code /ATO/context").build());
        assertThat(r.stdoutText()).isEqualTo("line1\nline2\nfrom code\n/ATO/context\n0 0 644\n0 0 755\n");
    }

    @Test
    void theEnvironmentHasDefaultsAndTheSpecsEntriesAndNothingOfTheJvms() {
        CompletedRun r = sandbox.run(RunSpec.builder().env("GREETING", "h\u00e9llo w\u00f6rld").env("HOME", "/ATO/context")
                .runnerScript("echo \"$GREETING\"; echo $HOME; echo $PATH; env | cut -d= -f1 | sort | tr '\\n' ' '").build());
        assertThat(r.stdoutText()).startsWith("h\u00e9llo w\u00f6rld\n/ATO/context\n" + dev.ato.sandbox.Image.DEFAULT_PATH + "\n");
        assertThat(r.stdoutText()).doesNotContain("JAVA_HOME", "MAVEN", "SUREFIRE");
    }

    @Test
    void aLargeInputIsReadInFullAndAFailingListenerDoesNotStopTheRun() {
        byte[] input = new byte[1 << 20];
        new java.util.Random(1).nextBytes(input);
        Run run = sandbox.start(RunSpec.builder().input(input).runnerScript("wc -c; echo done >&2").build(), (stream, chunk) -> {
            if (stream == OutputStreamKind.STDOUT) throw new IllegalStateException("listener bug");
        });
        RunResult r = run.result().join();
        assertThat(r.succeeded()).isTrue();
        CompletedRun again = sandbox.run(RunSpec.builder().input(input).runnerScript("wc -c").build());
        assertThat(again.stdoutText().trim()).isEqualTo("1048576");
    }

    @Test
    void argumentsAndOptionsArriveExactlyThroughYargs() {
        List<byte[]> args = List.of("a b".getBytes(), "".getBytes(), "new\nline".getBytes(), "'\"$x".getBytes());
        List<byte[]> opts = List.of("-O2".getBytes());
        CompletedRun r = sandbox.run(RunSpec.builder().arguments(args).options(opts)
                .runnerScript("/ATO/yargs %% /ATO/options /ATO/yargs @@ /ATO/arguments printf '<%s>' %% @@").build());
        assertThat(r.stdoutText()).isEqualTo("<-O2><a b><><new\nline><'\"$x>");
        assertThat(r.result().succeeded()).isTrue();
    }

    @Test
    void anArgvRunsWithoutARunnerScriptAndMissingProgramsExit127() {
        CompletedRun r = sandbox.run(RunSpec.builder().command("printf", "%s-%s", "x", "y").build());
        assertThat(r.stdoutText()).isEqualTo("x-y");
        CompletedRun missing = sandbox.run(RunSpec.builder().command("no-such-program").build());
        assertThat(missing.result().statusValue()).isEqualTo(127);
        assertThat(missing.stderrText()).contains("no-such-program");
    }

    @Test
    void signalsAreReportedAndCoreDumpsAreOff() {
        CompletedRun term = bash("exec /ATO/bash -c 'kill -TERM $$'");
        assertThat(term.result().statusType()).isEqualTo(StatusType.KILLED);
        assertThat(term.result().statusValue()).isEqualTo(15);
        CompletedRun segv = bash("ulimit -c; exec /ATO/bash -c 'kill -SEGV $$'");
        assertThat(segv.stdoutText()).isEqualTo("0\n");
        // RLIMIT_CORE is 0, so the kernel writes no core and does not flag one in the wait status.
        assertThat(segv.result().statusType()).isEqualTo(StatusType.KILLED);
        assertThat(segv.result().statusValue()).isEqualTo(11);
    }

    @Test
    void insideTheUserIsRootWithoutCapabilitiesOnItsOwnHostname() {
        CompletedRun r = bash("id -u; id -g; id -G; hostname; grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status;"
                + " cat /proc/self/uid_map; cat /proc/1/cmdline | tr '\\0' ' '");
        assertThat(r.stdoutText()).startsWith("0\n0\n0\nato\n");
        assertThat(r.stdoutText()).contains("CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2");
        assertThat(r.stdoutText()).containsPattern("0\\s+300000\\s+65536");
        assertThat(r.stdoutText()).containsPattern("ato-init \\d+ /ATO/bash /ATO/runner").doesNotContain(CONFIG.stateDir().toString());
    }

    @Test
    void noJvmThreadIsLeftInARunsNamespacesOrMovedByItsPivotRoot() throws Exception {
        for (int i = 0; i < 10; i++) assertThat(bash("true").result().succeeded()).isTrue();
        Path self = Path.of("/proc/self/task/" + ProcessHandle.current().pid());
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm")).strip();
                    assertThat(Files.readSymbolicLink(task.resolve("root"))).as(comm + " root").isEqualTo(Path.of("/"));
                    for (String ns : List.of("mnt", "uts", "ipc", "pid_for_children", "net")) {
                        if (ns.equals("net") && comm.equals("ato-netns")) continue; // makes namespaces ahead, briefly inside one
                        assertThat(Files.readSymbolicLink(task.resolve("ns/" + ns))).as(comm + " " + ns)
                                .isEqualTo(Files.readSymbolicLink(self.resolve("ns/" + ns)));
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // the thread ended while we looked
                }
            }
        }
    }

    @Test
    void concurrentRunsHaveHostUidsOfTheirOwnSoOneCannotUseUpAPerUserCounterForAnother() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        StringBuffer first = new StringBuffer();
        // 2000 pipes of 16 pages: past fs.pipe-user-pages-soft (16384 pages per host user), after which the
        // kernel gives that user's new pipes one page.
        Run hog = sandbox.start(RunSpec.builder().code(probe).timeout(Duration.ofSeconds(60))
                .runnerScript("cat /proc/self/uid_map; cp /ATO/code /tmp/probe && chmod 755 /tmp/probe && exec /tmp/probe pipes 2000").build(),
                (stream, chunk) -> {
                    first.append(new String(chunk));
                    if (first.toString().contains("pipes")) held.countDown();
                });
        try {
            assertThat(held.await(60, TimeUnit.SECONDS)).isTrue();
            int lastSize = Integer.parseInt(first.toString().replaceAll("(?s).*last=(\\d+).*", "$1").trim());
            assertThat(lastSize).as("the counter bites the run that used it up: its last pipe's size").isLessThan(65536);
            CompletedRun other = withProbe("cat /proc/self/uid_map; $P pipesz; stat -c '%u %g' /ATO/code /ATO/context /root");
            assertThat(other.stdoutText()).contains("pipesz=65536\n", "0 0\n0 0\n0 0\n");
            String mine = first.toString().trim().split("\\s+")[1];
            String theirs = other.stdoutText().trim().split("\\s+")[1];
            assertThat(theirs).as("host uid of container root").isNotEqualTo(mine);
            assertThat((Integer.parseInt(theirs) - CONFIG.uidBase()) % CONFIG.uidCount()).as("a slot's range").isZero();
        } finally {
            hog.kill();
            hog.result().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void hostProcessesAreInvisible() {
        CompletedRun r = bash("ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '");
        List<Integer> pids = new ArrayList<>();
        for (String p : r.stdoutText().trim().split(" ")) pids.add(Integer.parseInt(p));
        assertThat(pids).contains(1, 2).allSatisfy(p -> assertThat(p).isLessThan(10));
    }

    @Test
    void mountUnshareKeyctlForeignSyscallEntriesAndOtherRefusedCallsFail() {
        CompletedRun r = withProbe("$P syscalls");
        String out = r.stdoutText();
        for (String call : List.of("mount", "unshare_user", "unshare_net", "keyctl", "add_key", "setns", "pivot_root",
                "bpf", "userfaultfd", "perf_event_open", "clone_newuser")) {
            assertThat(out).containsPattern("(?m)^" + call + "=E[A-Z]+$");
        }
        assertThat(out).contains("mount=EPERM", "unshare_user=EPERM", "keyctl=EPERM", "clone_newuser=EPERM", "io_uring_setup=EPERM");
        assertThat(out).contains("fork=ok", "thread=ok", "int80=-1\n", "x32_getpid=EPERM");
        CompletedRun util = bash("mount -t tmpfs none /mnt 2>/dev/null; echo mount=$?; unshare -r true 2>/dev/null; echo unshare=$?");
        assertThat(util.stdoutText()).doesNotContain("=0");
    }

    @Test
    void onlyUnixInetInet6AndNetlinkSocketsCanBeMadeVsockAndTheRestGetEafnosupport() {
        CompletedRun r = withProbe("$P families");
        String out = r.stdoutText();
        assertThat(out).contains("unix=ok\n", "inet=ok\n", "inet6=ok\n", "netlink=ok\n", "socketpair_unix=ok\n");
        for (String family : List.of("vsock", "socketpair_vsock", "vsock_high_bits", "packet", "alg", "key", "tipc", "rds",
                "can", "bluetooth", "xdp", "llc", "pppox", "appletalk")) {
            assertThat(out).as(family).containsPattern("(?m)^" + family + "=EAFNOSUPPORT$");
        }
        assertThat(out).doesNotContain("vsock_bind");
        CompletedRun ip = bash("ip -o addr show lo 2>&1 | grep -o 'inet [0-9./]*'");
        assertThat(ip.stdoutText()).as("route netlink works").isEqualTo("inet 127.0.0.1/8\n");
    }

    @Test
    void aRootOnlyHostFileCannotBeReadNotEvenThroughASetuidBinary() throws Exception {
        Path secret = Path.of("/usr/local/share/ato-test-secret-" + ProcessHandle.current().pid());
        Path suid = Path.of("/usr/local/bin/ato-test-suid-" + ProcessHandle.current().pid());
        Files.createDirectories(secret.getParent());
        Files.writeString(secret, "secret");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.write(suid, probe);
        try {
            new ProcessBuilder("chmod", "4755", suid.toString()).start().waitFor();
            assertThat(Files.getPosixFilePermissions(suid)).contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
            CompletedRun r = bash("cat " + secret + " 2>&1; echo rc=$?; " + suid + " read " + secret
                    + "; stat -c %u " + secret + "; cat /etc/shadow >/dev/null 2>&1; echo shadow=$?");
            assertThat(r.stdoutText()).contains("Permission denied", "rc=1", "read=EACCES", "65534", "shadow=1");
            assertThat(r.stdoutText()).doesNotContain("secret\n");
        } finally {
            Files.deleteIfExists(secret);
            Files.deleteIfExists(suid);
        }
    }

    @Test
    void hostEntriesThatAreNotWorldReadableAreAbsentNotMerelyUnreadable() throws Exception {
        long pid = ProcessHandle.current().pid();
        Path file = Path.of("/etc/ato-test-private-" + pid);
        Path dir = Path.of("/usr/local/share/ato-test-private-dir-" + pid);
        Path open = Path.of("/usr/local/share/ato-test-public-" + pid);
        Files.writeString(file, "secret");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("inner"), "x");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Files.writeString(open, "public");
        // The mask is made when a sandbox starts: a second one sees the files made above (once this process's
        // earlier walk is forgotten: a walk serves the sandboxes of the next ten minutes).
        HostMask.forgetWalks();
        SandboxConfig other = CONFIG.toBuilder().cgroupName("ato-test-sandbox-mask")
                .stateDir(Path.of("/run/ato-test-sandbox-mask")).build();
        try (Sandbox masked = Sandbox.create(other)) {
            CompletedRun r = masked.run(RunSpec.builder().runnerScript("ls -a /etc /usr/local/share | grep -c ato-test-private;"
                    + " ls -l " + file + " " + dir + "/inner 2>&1 | grep -c 'No such file';"
                    + " cat " + open + "; echo; ls /etc | grep -cx -e shadow -e gshadow; ls /etc/ssl | grep -c private;"
                    + " grep -c '^root:' /etc/passwd; touch /etc/x 2>&1 | grep -c 'Read-only'").build());
            assertThat(Files.exists(Path.of("/etc/shadow"))).isTrue();
            assertThat(r.stdoutText()).isEqualTo("0\n2\npublic\n0\n0\n1\n1\n");
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir.resolve("inner"));
            Files.deleteIfExists(dir);
            Files.deleteIfExists(open);
            Leftovers.assertClosedClean(other);
        }
    }

    @Test
    void theHostLoopbackIsUnreachableButTheContainersOwnWorks() throws Exception {
        try (ServerSocket host = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = host.getLocalPort();
            CompletedRun out = withProbe("$P connect " + port);
            assertThat(out.stdoutText()).isEqualTo("connect=ECONNREFUSED\n");
            CompletedRun in = withProbe("$P listen " + port + " > /tmp/l & for i in $(seq 100); do grep -q listening /tmp/l && break; sleep 0.05; done; $P connect " + port + "; wait");
            assertThat(in.stdoutText()).isEqualTo("connected pong\n");
            CompletedRun low = withProbe("$P listen 80 > /tmp/l & for i in $(seq 100); do grep -q listening /tmp/l && break; sleep 0.05; done; $P connect 80; wait");
            assertThat(low.stdoutText()).as("a port below 1024, without capabilities").isEqualTo("connected pong\n");
            CompletedRun ifaces = bash("ls /sys/class/net 2>/dev/null; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '");
            assertThat(ifaces.stdoutText().trim()).isEqualTo("lo");
        }
    }

    @Test
    void concurrentRunsCannotReachEachOther() throws Exception {
        CountDownLatch listening = new CountDownLatch(1);
        Run server = sandbox.start(RunSpec.builder().code(probe).timeout(Duration.ofSeconds(60))
                .runnerScript("cp /ATO/code /tmp/probe && chmod 755 /tmp/probe && echo marker > /tmp/mine && exec /tmp/probe listen 7777").build(),
                (stream, chunk) -> { if (new String(chunk).contains("listening")) listening.countDown(); });
        try {
            assertThat(listening.await(60, TimeUnit.SECONDS)).isTrue();
            CompletedRun other = withProbe("$P connect 7777; ls /tmp; ps -e -o comm= 2>/dev/null | grep -c probe");
            // Its own copy of the probe is in its /tmp; the server run's files and process are not.
            assertThat(other.stdoutText()).isEqualTo("connect=ECONNREFUSED\nprobe\n0\n");
        } finally {
            server.kill();
            server.result().get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void timeoutKillsEveryProcessInTheRun() {
        long t0 = System.nanoTime();
        CompletedRun r = sandbox.run(RunSpec.builder().timeout(Duration.ofSeconds(5L * TIME_SCALE))
                .runnerScript("(sleep 1000 &) ; sleep 1000 & echo started; wait").build());
        long took = System.nanoTime() - t0;
        assertThat(r.stdoutText()).isEqualTo("started\n");
        assertThat(r.result().timedOut()).isTrue();
        assertThat(r.result().statusType()).isEqualTo(StatusType.KILLED);
        assertThat(r.result().statusValue()).isEqualTo(9);
        assertThat(took).isLessThan(TimeUnit.SECONDS.toNanos(30L * TIME_SCALE));
    }

    @Test
    void killEndsTheRunAndEveryProcessInIt() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Run run = sandbox.start(RunSpec.builder().runnerScript("sleep 1000 & echo started; sleep 1000").build(),
                (stream, chunk) -> started.countDown());
        assertThat(started.await(60, TimeUnit.SECONDS)).isTrue();
        run.kill();
        RunResult r = run.result().get(60, TimeUnit.SECONDS);
        assertThat(r.statusType()).isEqualTo(StatusType.KILLED);
        assertThat(r.statusValue()).isEqualTo(9);
        assertThat(r.timedOut()).isFalse();
        run.kill(); // idempotent after the end
    }

    @Test
    void theTimeoutAndKillActEvenWhileTheListenerIsBusy() throws Exception {
        StringBuilder seen = new StringBuilder();
        // Without the timer the run's thread would sit in the listener for 6 s and see "after" (written at 4 s).
        Run timed = sandbox.start(RunSpec.builder().timeout(Duration.ofSeconds(2)).runnerScript("echo start; sleep 4; echo after").build(),
                (stream, chunk) -> {
                    seen.append(new String(chunk));
                    sleepQuietly(6000);
                });
        RunResult r = timed.result().get(60, TimeUnit.SECONDS);
        assertThat(r.timedOut()).isTrue();
        assertThat(seen.toString()).doesNotContain("after");

        CountDownLatch first = new CountDownLatch(1);
        StringBuilder seen2 = new StringBuilder();
        Run killed = sandbox.start(RunSpec.builder().runnerScript("echo start; sleep 4; echo after").build(),
                (stream, chunk) -> {
                    seen2.append(new String(chunk));
                    first.countDown();
                    sleepQuietly(6000);
                });
        assertThat(first.await(60, TimeUnit.SECONDS)).isTrue();
        killed.kill();
        RunResult k = killed.result().get(60, TimeUnit.SECONDS);
        assertThat(k.statusType()).isEqualTo(StatusType.KILLED);
        assertThat(k.timedOut()).isFalse();
        assertThat(seen2.toString()).isEqualTo("start\n");
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void floodingOutputIsCutAfterTheChunkThatPassesTheLimitAndTheRunEndsPromptly() {
        CompletedRun r = sandbox.run(RunSpec.builder().runnerScript("yes").build());
        assertThat((long) r.stdout().length).isGreaterThan(Limits.DEFAULT_OUTPUT)
                .isLessThanOrEqualTo(Limits.DEFAULT_OUTPUT + LinuxRun.CHUNK);
        assertThat(r.result().stdoutTruncated()).isTrue();
        assertThat(r.result().stderrTruncated()).isFalse();
        assertThat(r.result().timedOut()).isFalse();
        assertThat(r.result().realNanos()).isLessThan(TimeUnit.SECONDS.toNanos(20));
        assertThat(r.stdoutText()).startsWith("y\ny\n");
    }

    @Test
    void oneBigWriteGivesNineWholeChunksThenTruncatedAsAtoSends() {
        for (String stream : List.of("stdout", "stderr")) {
            List<Integer> sizes = java.util.Collections.synchronizedList(new ArrayList<>());
            OutputStreamKind kind = stream.equals("stdout") ? OutputStreamKind.STDOUT : OutputStreamKind.STDERR;
            Run run = sandbox.start(RunSpec.builder()
                    .runnerScript("(dd if=/dev/zero bs=16384000 count=1 2>&-)" + (kind == OutputStreamKind.STDERR ? " >&2" : ""))
                    .build(),
                    (s, chunk) -> { if (s == kind) sizes.add(chunk.length); });
            RunResult res = run.result().join();
            assertThat(sizes).as(stream).containsExactly(16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384);
            assertThat(stream.equals("stdout") ? res.stdoutTruncated() : res.stderrTruncated()).as(stream).isTrue();
        }
    }

    @Test
    void exactlyTheLimitIsNotTruncatedAndOneByteMoreIsDeliveredAndFlagged() {
        CompletedRun exact = sandbox.run(RunSpec.builder().runnerScript("head -c 131072 /dev/zero").build());
        assertThat(exact.stdout()).hasSize(131072);
        assertThat(exact.result().stdoutTruncated()).isFalse();
        CompletedRun over = sandbox.run(RunSpec.builder().runnerScript("head -c 131073 /dev/zero >&2").build());
        assertThat(over.stderr()).hasSize(131073);
        assertThat(over.result().stderrTruncated()).isTrue();
        assertThat(over.result().stdoutTruncated()).isFalse();
    }

    @Test
    void chunksAreAtMost16KiB() {
        List<Integer> sizes = java.util.Collections.synchronizedList(new ArrayList<>());
        Run run = sandbox.start(RunSpec.builder().runnerScript("head -c 100000 /dev/zero").build(),
                (stream, chunk) -> { if (stream == OutputStreamKind.STDOUT) sizes.add(chunk.length); });
        run.result().join();
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(100000);
        assertThat(sizes).allSatisfy(s -> assertThat(s).isBetween(1, 16384));
    }

    @Test
    void aForkBombIsContainedAndTheNextRunIsNormal() {
        CompletedRun bomb = sandbox.run(RunSpec.builder().timeout(Duration.ofSeconds(5))
                .runnerScript("b() { b | b & }; b; sleep 10").build());
        assertThat(bomb.result().timedOut()).isTrue();
        long t0 = System.nanoTime();
        CompletedRun next = bash("echo normal");
        assertThat(next.stdoutText()).isEqualTo("normal\n");
        assertThat(next.result().succeeded()).isTrue();
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(20));
    }

    @Test
    void maxMemIsTheLargestResidentSetOfAnyProcessAsAtoReportsIt() {
        // grep's own high-water mark, shared library pages included: ATO's max_mem is at least that, give or take
        // the few pages the kernel's per-thread RSS counters may not have folded in yet (64 pages of slack).
        CompletedRun r = sandbox.run(RunSpec.builder().runnerScript("grep VmHWM /proc/self/status").build());
        assertThat(r.stdoutText()).matches("VmHWM:\\s+\\d+ kB\n");
        long hwm = Long.parseLong(r.stdoutText().replaceAll("\\D", ""));
        assertThat(r.result().maxMemKib()).isGreaterThanOrEqualTo(hwm - 256).isGreaterThan(1000);
        assertThat(r.result().cgroupPeakKib()).isPositive();
        assertThat(r.result().maxMemKib()).isGreaterThanOrEqualTo(r.result().cgroupPeakKib());
    }

    @Test
    void maxMemIsTheCgroupPeakWhereNoProcessHeldAsMuch() {
        // 48 MiB in a tmpfs file: charged to the run's cgroup, resident in no process.
        CompletedRun r = sandbox.run(RunSpec.builder().runnerScript("head -c 48M /dev/zero > /tmp/f").build());
        assertThat(r.result().succeeded()).isTrue();
        assertThat(r.result().cgroupPeakKib()).isGreaterThanOrEqualTo(48L << 10);
        assertThat(r.result().maxMemKib()).isEqualTo(r.result().cgroupPeakKib());
    }

    @Test
    void aMemoryBombIsOomKilled() {
        CompletedRun r = sandbox.run(RunSpec.builder().limits(Limits.defaults().withMemoryBytes(64L << 20))
                .runnerScript("exec /ATO/bash -c 'a=xxxxxxxxxxxxxxxx; while :; do a=$a$a; done'").build());
        assertThat(r.result().oomKilled()).isTrue();
        assertThat(r.result().statusType()).isEqualTo(StatusType.KILLED);
        assertThat(r.result().statusValue()).isEqualTo(9);
        assertThat(r.result().maxMemKib()).isGreaterThan(32L << 10);
    }

    @Test
    void fillingTmpAndRootGivesEnospcInsideAndNothingOnTheHost() {
        CompletedRun r = sandbox.run(RunSpec.builder().limits(Limits.defaults().withTmpfsBytes(16L << 20))
                .runnerScript("head -c 32M /dev/zero > /tmp/fill; echo tmp=$?; head -c 32M /dev/zero > /fill; echo root=$?;"
                        + " head -c 32M /dev/zero > /dev/shm/fill; echo shm=$?").build());
        assertThat(r.stdoutText()).isEqualTo("tmp=1\nroot=1\nshm=1\n");
        assertThat(r.stderrText()).contains("No space left on device");
    }

    @Test
    void aFileLargerThanTheFileSizeLimitCannotBeWritten() {
        CompletedRun r = sandbox.run(RunSpec.builder().limits(Limits.defaults().withFileSizeBytes(1 << 20))
                .runnerScript("head -c 2M /dev/zero > /tmp/big; echo rc=$?; stat -c %s /tmp/big").build());
        assertThat(r.stdoutText()).isEqualTo("rc=153\n1048576\n"); // killed by SIGXFSZ (25): 128 + 25
    }

    @Test
    void tmpAndDevShmAreEmptyAtEveryStartAndRootIsWritable() {
        CompletedRun first = bash("touch /tmp/a /dev/shm/b /c /etc/hosts2 2>/dev/null; echo > /root/x; ls -A /tmp /dev/shm | tr '\\n' ' '; ls /c /root/x");
        assertThat(first.stdoutText()).contains("a", "b", "/c", "/root/x");
        CompletedRun second = bash("ls -A /tmp /dev/shm /root; ls /c 2>&1 | grep -c 'No such'");
        assertThat(second.stdoutText()).isEqualTo("/dev/shm:\n\n/root:\n\n/tmp:\n1\n");
    }

    @Test
    void theUmaskIs022SoNewFilesAreNotWorldWritable() {
        CompletedRun r = bash("umask; touch /tmp/f; mkdir /tmp/d; python3 -c 'open(\"/tmp/p\", \"w\")'; stat -c %a /tmp/f /tmp/d /tmp/p");
        assertThat(r.stdoutText()).isEqualTo("0022\n644\n755\n644\n");
    }

    @Test
    void devHasTheUsualNodes() {
        CompletedRun r = bash("echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c;"
                + " echo x > /dev/full 2>/dev/null; echo full=$?; ls /dev | tr '\\n' ' '; readlink /dev/stdout; mountpoint -q /dev/pts && echo pts");
        assertThat(r.stdoutText()).startsWith("4\n4\nfull=1\n");
        assertThat(r.stdoutText()).contains("fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero", "/proc/self/fd/1", "pts");
    }

    @Test
    void fiftyConcurrentRunsReturnExactlyTheirOwnOutput() throws Exception {
        List<CompletableFuture<CompletedRun>> runs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            runs.add(CompletableFuture.supplyAsync(() -> sandbox.run(RunSpec.builder().code("run " + n).input("in " + n)
                    .runnerScript("cat /ATO/code; echo; cat; echo; sleep 0.$((RANDOM % 5)); echo err " + n + " >&2; exit " + (n % 7)).build()),
                    java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
        }
        for (int i = 0; i < 50; i++) {
            CompletedRun r = runs.get(i).get(120, TimeUnit.SECONDS);
            assertThat(r.stdoutText()).isEqualTo("run " + i + "\nin " + i + "\n");
            assertThat(r.stderrText()).isEqualTo("err " + i + "\n");
            assertThat(r.result().statusValue()).isEqualTo(i % 7);
        }
    }

    @Test
    void startReturnsAtOnceAndFiguresAreFilledIn() throws Exception {
        long t0 = System.nanoTime();
        Run run = sandbox.start(RunSpec.builder().runnerScript("x=0; while [ $x -lt 20000 ]; do x=$((x+1)); done; echo $x").build(),
                (s, c) -> { });
        long startNanos = System.nanoTime() - t0;
        RunResult r = run.result().get(60, TimeUnit.SECONDS);
        assertThat(startNanos).isLessThan(TimeUnit.SECONDS.toNanos(2));
        assertThat(r.succeeded()).isTrue();
        assertThat(r.userNanos() + r.kernelNanos()).isPositive();
        assertThat(r.maxMemKib()).isPositive();
        assertThat(r.minorPageFaults()).isPositive();
        assertThat(run.id()).matches("[a-z0-9-]+");
    }

    @Test
    void theContainersMountTableShowsNoHostStatePath() {
        CompletedRun r = bash("cat /proc/self/mountinfo");
        assertThat(r.stdoutText()).contains(" / / rw")
                .doesNotContain(CONFIG.stateDir().toString()).doesNotContain("skel-").doesNotContain("bin-");
        // yargs: bound from a detached tmpfs (shown as /yargs), or where the kernel refuses that (6.1), a copy.
        assertThat(r.stdoutText()).satisfiesAnyOf(
                t -> assertThat(t).contains(" /yargs /ATO/yargs "), t -> assertThat(t).doesNotContain("/ATO/yargs"));
    }

    @Test
    void aClosedSandboxRefusesRuns() {
        Sandbox other = Sandbox.create(CONFIG.toBuilder().cgroupName("ato-test-sandbox-2").build());
        other.close();
        assertThatThrownBy(() -> other.run(RunSpec.builder().command("true").build()))
                .isInstanceOf(SandboxException.class).hasMessageContaining("closed");
    }
}
