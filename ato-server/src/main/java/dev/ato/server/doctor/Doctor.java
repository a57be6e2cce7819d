package dev.ato.server.doctor;

import dev.ato.server.ServerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ato doctor}: whether this host can serve ATO, found out by doing what the server does (make each kind of
 * namespace, mount an overlay inside a user namespace, open a pidfd, run a real sandbox) and by reading what it
 * reads (cgroup mounts and controllers, memory, bash-static, the JDK, the catalog's images, the port). Every fact
 * comes from a {@link Host}, so tests can show it a host with problems this machine does not have.
 */
public final class Doctor {
    /** How bad a finding is. */
    public enum Severity {
        /** Fine. */
        OK,
        /** Works, but not as configured or not fully. */
        WARNING,
        /** The server cannot serve: {@code ato doctor} exits 1 and the unit does not start. */
        BLOCKER
    }

    /**
     * One line of the report.
     *
     * @param check the check's name (what {@code --skip} takes)
     * @param text  what was found
     * @param fix   what to do (empty when OK)
     */
    public record Finding(Severity severity, String check, String text, String fix) {
        /** {@code ok       kernel: 6.1.0 (>= 5.9)} or {@code BLOCKER  overlay: ... ; fix: ...}. */
        public String line() {
            String tag = switch (severity) {
                case OK -> "ok      ";
                case WARNING -> "warning ";
                case BLOCKER -> "BLOCKER ";
            };
            return tag + " " + check + ": " + text + (fix.isEmpty() ? "" : "; fix: " + fix);
        }
    }

    /** A command's exit status and its output (stdout and stderr together). */
    public record Probe(int status, String output) {
        /** The output's last non-empty line, or the status when there is none. */
        public String why() {
            String[] lines = output.strip().split("\n");
            String last = lines[lines.length - 1].strip();
            return last.isEmpty() ? "exit status " + status : last;
        }
    }

    /** A language of the catalog as this host sees it. */
    public record LanguageState(String id, String image, boolean hostImage, boolean ready, String reason,
            List<String> packages) { }

    /** Where the facts come from: the real host ({@link RealHost}) or a test's fake. */
    public interface Host {
        /** The effective uid. */
        int euid();

        /** A file's text (e.g. {@code /proc/self/mountinfo}), empty when it cannot be read. */
        Optional<String> read(String path);

        /** Whether a path is an executable regular file. */
        boolean executable(String path);

        /** Runs a command (at most a few seconds); status 127 when it cannot be started. */
        Probe run(List<String> argv);

        /** The error of {@code pidfd_open(getpid())}, empty when a pidfd was opened (and closed). */
        Optional<String> pidfdProblem();

        /** {@code java.version} and {@code java.home} of this JVM. */
        String javaVersion();

        /** The JVM's home. */
        String javaHome();

        /** The catalog's languages as seen through the configured image store. */
        List<LanguageState> languages(ServerConfig config);

        /** Why the port cannot be bound, empty when it can. */
        Optional<String> portProblem(String host, int port);

        /** Why a real sandbox (the configured run dir and cgroup, suffixed {@code -doctor}) cannot run {@code true}. */
        Optional<String> sandboxProblem(ServerConfig config);
    }

    /** Every check's name, in report order. */
    public static final List<String> CHECKS = List.of("root", "kernel", "userns", "mountns", "pidns", "netns", "overlay",
            "seccomp", "pidfd", "cgroup", "memory", "bash-static", "jdk", "images", "port", "sandbox");

    private static final String UNSHARE = "/usr/bin/unshare";

    private final Host host;
    private final ServerConfig config;
    private final List<Finding> findings = new ArrayList<>();

    private Doctor(Host host, ServerConfig config) {
        this.host = host;
        this.config = config;
    }

    /** Runs every check not in {@code skip}; the findings in report order. */
    public static List<Finding> examine(Host host, ServerConfig config, Set<String> skip) {
        for (String s : skip) {
            if (!CHECKS.contains(s)) throw new IllegalArgumentException("no check named '" + s + "' (checks: " + CHECKS + ")");
        }
        Doctor d = new Doctor(host, config);
        Map<String, Runnable> checks = new LinkedHashMap<>();
        checks.put("root", d::root);
        checks.put("kernel", d::kernel);
        checks.put("userns", () -> d.namespace("userns", "a user namespace", List.of("--user", "--map-root-user"),
                "user namespaces are disabled or restricted: sysctl -w user.max_user_namespaces=15000 (and no "
                        + "RestrictNamespaces=/PrivateUsers= in a unit)"));
        checks.put("mountns", () -> d.namespace("mountns", "a mount namespace", List.of("--mount"),
                "run as root without a seccomp/LSM policy refusing unshare(CLONE_NEWNS)"));
        checks.put("pidns", () -> d.namespace("pidns", "a PID namespace with its own /proc, in a user namespace",
                List.of("--user", "--map-root-user", "--pid", "--fork", "--mount", "--mount-proc"),
                "/proc must not have anything mounted over parts of it (systemd's ProtectKernelTunables=, "
                        + "ProtectProc=, ProcSubset= do that; containers often do): the kernel then refuses a new /proc"));
        checks.put("netns", () -> d.namespace("netns", "a network namespace, in a user namespace",
                List.of("--user", "--map-root-user", "--net"), "no PrivateNetwork=/RestrictNamespaces= in a unit; "
                        + "kernel with CONFIG_NET_NS"));
        checks.put("overlay", d::overlay);
        checks.put("seccomp", d::seccomp);
        checks.put("pidfd", d::pidfd);
        checks.put("cgroup", d::cgroup);
        checks.put("memory", d::memory);
        checks.put("bash-static", d::bashStatic);
        checks.put("jdk", d::jdk);
        checks.put("images", d::images);
        checks.put("port", d::port);
        checks.put("sandbox", d::sandbox);
        checks.forEach((name, check) -> {
            if (!skip.contains(name)) check.run();
        });
        return List.copyOf(d.findings);
    }

    /** Whether any finding is a blocker. */
    public static boolean blocked(List<Finding> findings) {
        return findings.stream().anyMatch(f -> f.severity() == Severity.BLOCKER);
    }

    private void ok(String check, String text) {
        findings.add(new Finding(Severity.OK, check, text, ""));
    }

    private void warn(String check, String text, String fix) {
        findings.add(new Finding(Severity.WARNING, check, text, fix));
    }

    private void block(String check, String text, String fix) {
        findings.add(new Finding(Severity.BLOCKER, check, text, fix));
    }

    private void root() {
        int uid = host.euid();
        if (uid == 0) ok("root", "running as root");
        else block("root", "running as uid " + uid, "run as root (the sandbox makes namespaces, mounts and cgroups)");
    }

    private void kernel() {
        String release = host.read("/proc/sys/kernel/osrelease").map(String::strip).orElse("");
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) {
            warn("kernel", "cannot read the kernel release from /proc/sys/kernel/osrelease", "mount /proc");
            return;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        if (major < 5 || (major == 5 && minor < 9)) {
            block("kernel", "Linux " + release + " is older than 5.9 (pidfd_open, close_range)",
                    "boot a kernel >= 5.11 (Debian 12: 6.1, Ubuntu 22.04: 5.15, RHEL 9: 5.14)");
        } else if (major == 5 && minor < 11) {
            warn("kernel", "Linux " + release + ": overlayfs inside a user namespace needs 5.11",
                    "boot a kernel >= 5.11");
        } else {
            ok("kernel", "Linux " + release + " (>= 5.11)");
        }
    }

    private boolean unshareMissing(String check) {
        if (host.executable(UNSHARE)) return false;
        warn(check, "cannot test: " + UNSHARE + " is missing", "apt-get install util-linux");
        return true;
    }

    private void namespace(String check, String what, List<String> flags, String fix) {
        if (unshareMissing(check)) return;
        List<String> argv = new ArrayList<>();
        argv.add(UNSHARE);
        argv.addAll(flags);
        argv.add("true");
        Probe p = host.run(argv);
        if (p.status() == 0) ok(check, "made " + what + " (unshare " + String.join(" ", flags) + ")");
        else block(check, "cannot make " + what + ": " + p.why(), fix);
    }

    private void overlay() {
        if (unshareMissing("overlay")) return;
        // Inside a new user and mount namespace: a tmpfs, then an overlay of two of its directories. Nothing is
        // left on the host: both mounts die with the namespace, and the directory they sit on is the tmpfs itself
        // mounted over /mnt (in the namespace only).
        String script = "mount -t tmpfs ato-doctor /mnt && mkdir /mnt/l /mnt/u /mnt/w /mnt/m && "
                + "mount -t overlay ato-doctor -o lowerdir=/mnt/l,upperdir=/mnt/u,workdir=/mnt/w /mnt/m && "
                + "touch /mnt/m/x";
        Probe p = host.run(List.of(UNSHARE, "--user", "--map-root-user", "--mount", "sh", "-c", script));
        if (p.status() == 0) ok("overlay", "mounted overlayfs inside a user namespace");
        else block("overlay", "cannot mount overlayfs inside a user namespace: " + p.why(),
                "kernel >= 5.11 with overlayfs (modprobe overlay; Debian and Ubuntu kernels have it)");
    }

    private void seccomp() {
        String status = host.read("/proc/self/status").orElse("");
        String actions = host.read("/proc/sys/kernel/seccomp/actions_avail").orElse("");
        Matcher m = Pattern.compile("(?m)^Seccomp:\\s*(\\d)").matcher(status);
        if (!m.find()) {
            block("seccomp", "the kernel has no seccomp (no Seccomp: line in /proc/self/status)",
                    "a kernel with CONFIG_SECCOMP_FILTER");
        } else if (!actions.contains("errno") || !actions.contains("kill_process")) {
            block("seccomp", "seccomp filters lack ERRNO/KILL_PROCESS (actions: " + actions.strip() + ")",
                    "a kernel >= 4.14 with CONFIG_SECCOMP_FILTER");
        } else {
            ok("seccomp", "seccomp filters (" + actions.strip() + ")" + (m.group(1).equals("0") ? ""
                    : "; this process already runs under a filter (mode " + m.group(1) + ")"));
        }
    }

    private void pidfd() {
        Optional<String> p = host.pidfdProblem();
        if (p.isEmpty()) ok("pidfd", "pidfd_open works");
        else block("pidfd", "pidfd_open fails: " + p.get(), "a kernel >= 5.3 (5.9 for close_range)");
    }

    private void cgroup() {
        String mountinfo = host.read("/proc/self/mountinfo").orElse("");
        String v2 = null;
        Map<String, String> v1 = new LinkedHashMap<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = java.util.Arrays.asList(f).indexOf("-");
            if (dash < 0 || f.length < dash + 4) continue;
            String type = f[dash + 1];
            if (type.equals("cgroup2") && v2 == null) v2 = f[4];
            if (type.equals("cgroup")) {
                for (String opt : f[dash + 3].split(",")) {
                    if (Set.of("memory", "pids", "cpu", "cpuacct").contains(opt)) v1.putIfAbsent(opt, f[4]);
                }
            }
        }
        if (!v1.isEmpty()) {
            Set<String> missing = new TreeSet<>(Set.of("memory", "pids"));
            missing.removeAll(v1.keySet());
            String where = v1.keySet() + " mounted" + (v2 != null ? " (hybrid: a cgroup2 tree at " + v2 + " too)" : "");
            if (missing.isEmpty()) ok("cgroup", "cgroup v1: " + where);
            else block("cgroup", "cgroup v1 without the " + String.join(" and ", missing) + " controller: " + where,
                    "mount them (e.g. mount -t cgroup -o " + String.join(",", missing) + " cgroup /sys/fs/cgroup/"
                            + missing.iterator().next() + "), or boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1)");
            return;
        }
        if (v2 == null) {
            block("cgroup", "no cgroup filesystem is mounted", "mount -t cgroup2 cgroup2 /sys/fs/cgroup");
            return;
        }
        Set<String> rootControllers = words(host.read(v2 + "/cgroup.controllers").orElse(""));
        String self = "/";
        for (String line : host.read("/proc/self/cgroup").orElse("").split("\n")) {
            if (line.startsWith("0::")) self = line.substring(3).strip();
        }
        Set<String> own = words(host.read(v2 + (self.equals("/") ? "" : self) + "/cgroup.controllers").orElse(""));
        Set<String> missing = new TreeSet<>(Set.of("memory", "pids"));
        missing.removeAll(rootControllers);
        String text = "cgroup v2 at " + v2 + ", controllers " + sorted(rootControllers) + "; this process in " + self
                + (self.equals("/") ? "" : " (controllers delegated to it: " + sorted(own) + ")");
        if (!missing.isEmpty()) {
            block("cgroup", text + ": no " + String.join(" and ", missing) + " controller",
                    "enable them (echo +memory +pids > " + v2 + "/cgroup.subtree_control), or a kernel with them");
        } else if (!rootControllers.contains("cpu")) {
            warn("cgroup", text + ": no cpu controller (runs are not weighted)", "a kernel with CONFIG_CGROUP_SCHED");
        } else {
            ok("cgroup", text);
        }
    }

    private void memory() {
        String meminfo = host.read("/proc/meminfo").orElse("");
        long total = kib(meminfo, "MemTotal") << 10;
        long available = kib(meminfo, "MemAvailable") << 10;
        if (total <= 0) {
            warn("memory", "cannot read MemTotal from /proc/meminfo", "mount /proc");
            return;
        }
        long perRun = config.limits().memoryBytes();
        long fit = Math.max(1, total / perRun);
        String text = mib(total) + " MemTotal, " + mib(available) + " available; " + config.maxRuns() + " runs x "
                + mib(perRun) + " each";
        if (fit < config.maxRuns()) {
            warn("memory", text + " exceed it: the server will run at most " + fit + " at once",
                    "lower runs.max-concurrent or limits.memory in the configuration, or add memory");
        } else if (available > 0 && available < perRun) {
            warn("memory", text + ": less than one run's limit is available now", "free memory, or lower limits.memory");
        } else {
            ok("memory", text);
        }
    }

    private void bashStatic() {
        if (host.executable("/bin/bash-static")) ok("bash-static", "/bin/bash-static (every run's /ATO/bash)");
        else block("bash-static", "/bin/bash-static is missing (every run's /ATO/bash)", "apt-get install bash-static");
    }

    private void jdk() {
        String v = host.javaVersion();
        Matcher m = Pattern.compile("^(\\d+)").matcher(v);
        int feature = m.find() ? Integer.parseInt(m.group(1)) : 0;
        if (feature >= 21) ok("jdk", "Java " + v + " at " + host.javaHome());
        else block("jdk", "Java " + v + " at " + host.javaHome() + " is older than 21",
                "install a JDK >= 21 and run setup/install.sh again (it pins the JDK's path)");
    }

    private void images() {
        List<LanguageState> langs = host.languages(config);
        int ready = 0;
        Set<String> packages = new TreeSet<>();
        List<String> hostOnly = new ArrayList<>();
        Map<String, List<String>> missingImages = new LinkedHashMap<>();
        for (LanguageState l : langs) {
            if (l.ready()) {
                ready++;
            } else if (l.reason().contains("not in the image store")) {
                missingImages.computeIfAbsent(l.image(), k -> new ArrayList<>()).add(l.id());
            } else if (l.hostImage()) {
                hostOnly.add(l.id());
                packages.addAll(l.packages());
            } else {
                warn("images", l.id() + " is not ready in image '" + l.image() + "': " + l.reason(),
                        "rebuild or pull the image with what the language requires");
            }
        }
        if (ready == 0) {
            block("images", "no language of the catalog (" + langs.size() + ") can run here",
                    packages.isEmpty() ? "see ato languages" : "apt-get install " + String.join(" ", packages));
            return;
        }
        if (!hostOnly.isEmpty()) {
            warn("images", hostOnly.size() + " languages lack packages on the host image (" + String.join(", ",
                    hostOnly.subList(0, Math.min(5, hostOnly.size()))) + (hostOnly.size() > 5 ? ", ..." : "") + ")",
                    packages.isEmpty() ? "see ato languages" : "apt-get install " + String.join(" ", packages));
        }
        missingImages.forEach((image, ids) -> warn("images", "image '" + image + "' (" + String.join(", ", ids)
                + ") is not in the image store " + config.imageDir(), "ato image pull " + image));
        ok("images", ready + " of " + langs.size() + " languages ready");
    }

    private void port() {
        Optional<String> p = host.portProblem(config.bindAddress(), config.port());
        if (p.isEmpty()) ok("port", "can listen on " + config.bindAddress() + ":" + config.port());
        else block("port", p.get(), "stop what holds it, or set server.port / ATO_PORT");
    }

    private void sandbox() {
        Optional<String> p = host.sandboxProblem(config);
        if (p.isEmpty()) ok("sandbox", "a full sandbox ran /bin/true (namespaces, overlay root, cgroup, seccomp)");
        else block("sandbox", "a real sandbox cannot run: " + p.get(), "see the lines above");
    }

    private static long kib(String meminfo, String key) {
        Matcher m = Pattern.compile("(?m)^" + key + ":\\s*(\\d+)").matcher(meminfo);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String mib(long bytes) {
        return bytes >= (10L << 30) ? String.format(Locale.ROOT, "%.0f GiB", bytes / (double) (1L << 30))
                : (bytes >> 20) + " MiB";
    }

    private static Set<String> words(String s) {
        Set<String> out = new LinkedHashSet<>();
        for (String w : s.strip().split("\\s+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    private static String sorted(Set<String> s) {
        return s.isEmpty() ? "(none)" : String.join(" ", new TreeSet<>(s));
    }
}
