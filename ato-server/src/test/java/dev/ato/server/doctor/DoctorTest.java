package dev.ato.server.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.server.ServerConfig;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code ato doctor} on this host (real) and on hosts it cannot be (a fake {@link Doctor.Host}). */
class DoctorTest {
    /** A healthy cgroup v2 host under systemd; tests break one fact at a time. */
    static class FakeHost implements Doctor.Host {
        int euid = 0;
        final Map<String, String> files = new HashMap<>(Map.of(
                "/proc/sys/kernel/osrelease", "6.1.0-27-amd64\n",
                "/proc/self/status", "Name:\tjava\nSeccomp:\t0\n",
                "/proc/sys/kernel/seccomp/actions_avail", "kill_process kill_thread trap errno user_notif trace log allow\n",
                "/proc/self/mountinfo", "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
                "/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n",
                "/proc/self/cgroup", "0::/system.slice/ato.service\n",
                "/sys/fs/cgroup/system.slice/ato.service/cgroup.controllers", "cpu memory pids\n",
                "/proc/meminfo", "MemTotal:       32000000 kB\nMemAvailable:   30000000 kB\n"));
        final Set<String> executables = new HashSet<>(Set.of("/usr/bin/unshare", "/bin/bash-static"));
        final Map<String, Doctor.Probe> failing = new HashMap<>();
        Optional<String> pidfd = Optional.empty();
        String java = "25.0.3";
        List<Doctor.LanguageState> languages = List.of(
                new Doctor.LanguageState("bash", "host", true, true, "", List.of("bash")),
                new Doctor.LanguageState("ruby", "host", true, false, "'ruby' not found", List.of("ruby")),
                new Doctor.LanguageState("py312", "python:3.12-slim", false, false,
                        "image 'python:3.12-slim' is not in the image store", List.of()));
        Optional<String> port = Optional.empty();
        Optional<String> sandbox = Optional.empty();

        @Override
        public int euid() {
            return euid;
        }

        @Override
        public Optional<String> read(String path) {
            return Optional.ofNullable(files.get(path));
        }

        @Override
        public boolean executable(String path) {
            return executables.contains(path);
        }

        @Override
        public Doctor.Probe run(List<String> argv) {
            for (Map.Entry<String, Doctor.Probe> e : failing.entrySet()) {
                if (String.join(" ", argv).contains(e.getKey())) return e.getValue();
            }
            return new Doctor.Probe(0, "");
        }

        @Override
        public Optional<String> pidfdProblem() {
            return pidfd;
        }

        @Override
        public String javaVersion() {
            return java;
        }

        @Override
        public String javaHome() {
            return "/usr/lib/jvm/x";
        }

        @Override
        public List<Doctor.LanguageState> languages(ServerConfig config) {
            return languages;
        }

        @Override
        public Optional<String> portProblem(String host, int p) {
            return port;
        }

        @Override
        public Optional<String> sandboxProblem(ServerConfig config) {
            return sandbox;
        }
    }

    private static final ServerConfig CONFIG = ServerConfig.builder().build();

    private static List<String> lines(FakeHost h) {
        return Doctor.examine(h, CONFIG, Set.of()).stream().map(Doctor.Finding::line).toList();
    }

    @Test
    void aHealthyCgroupV2HostUnderSystemd() {
        FakeHost h = new FakeHost();
        List<Doctor.Finding> f = Doctor.examine(h, CONFIG, Set.of());
        assertThat(Doctor.blocked(f)).isFalse();
        assertThat(f).extracting(Doctor.Finding::check).containsSubsequence(Doctor.CHECKS);
        assertThat(lines(h)).contains(
                "ok       kernel: Linux 6.1.0-27-amd64 (>= 5.11)",
                "ok       cgroup: cgroup v2 at /sys/fs/cgroup, controllers cpu cpuset io memory pids; this process in "
                        + "/system.slice/ato.service (controllers delegated to it: cpu memory pids)",
                "warning  images: 1 languages lack packages on the host image (ruby); fix: apt-get install ruby",
                "warning  images: image 'python:3.12-slim' (py312) is not in the image store /var/lib/ato/images; fix: "
                        + "ato image pull python:3.12-slim",
                "ok       images: 1 of 3 languages ready");
    }

    @Test
    void eachProblemIsOneBlockerLineWithItsFix() {
        FakeHost h = new FakeHost();
        h.euid = 1000;
        h.files.put("/proc/sys/kernel/osrelease", "5.4.0-150-generic\n");
        h.failing.put("--net", new Doctor.Probe(1, "unshare: unshare failed: Operation not permitted\n"));
        h.failing.put("overlay", new Doctor.Probe(32, "mount: /mnt/m: wrong fs type, bad option, bad superblock\n"));
        h.files.put("/sys/fs/cgroup/cgroup.controllers", "cpu io\n");
        h.executables.remove("/bin/bash-static");
        h.pidfd = Optional.of("errno 38");
        h.java = "17.0.9";
        h.port = Optional.of("cannot listen on 127.0.0.1:8500: Address already in use (...)");
        h.sandbox = Optional.of("mount(overlay, /run/ato/root): EINVAL");
        List<String> lines = lines(h);
        assertThat(lines).contains(
                "BLOCKER  root: running as uid 1000; fix: run as root (the sandbox makes namespaces, mounts and cgroups)",
                "BLOCKER  kernel: Linux 5.4.0-150-generic is older than 5.9 (pidfd_open, close_range); fix: boot a kernel "
                        + ">= 5.11 (Debian 12: 6.1, Ubuntu 22.04: 5.15, RHEL 9: 5.14)",
                "BLOCKER  netns: cannot make a network namespace, in a user namespace: unshare: unshare failed: Operation "
                        + "not permitted; fix: no PrivateNetwork=/RestrictNamespaces= in a unit; kernel with CONFIG_NET_NS",
                "BLOCKER  overlay: cannot mount overlayfs inside a user namespace: mount: /mnt/m: wrong fs type, bad option, "
                        + "bad superblock; fix: kernel >= 5.11 with overlayfs (modprobe overlay; Debian and Ubuntu kernels have it)",
                "BLOCKER  pidfd: pidfd_open fails: errno 38; fix: a kernel >= 5.3 (5.9 for close_range)",
                "BLOCKER  bash-static: /bin/bash-static is missing (every run's /ATO/bash); fix: apt-get install bash-static",
                "BLOCKER  jdk: Java 17.0.9 at /usr/lib/jvm/x is older than 21; fix: install a JDK >= 21 and run "
                        + "setup/install.sh again (it pins the JDK's path)",
                "BLOCKER  port: cannot listen on 127.0.0.1:8500: Address already in use (...); fix: stop what holds it, or "
                        + "set server.port / ATO_PORT",
                "BLOCKER  sandbox: a real sandbox cannot run: mount(overlay, /run/ato/root): EINVAL; fix: see the lines above");
        assertThat(lines).anyMatch(l -> l.startsWith("BLOCKER  cgroup: cgroup v2 at /sys/fs/cgroup, controllers cpu io;")
                && l.endsWith("no memory and pids controller; fix: enable them (echo +memory +pids > "
                        + "/sys/fs/cgroup/cgroup.subtree_control), or a kernel with them"));
        assertThat(lines).contains("ok       userns: made a user namespace (unshare --user --map-root-user)");
        assertThat(lines).allMatch(l -> !l.contains("\n"));
    }

    @Test
    void cgroupV1WithoutPidsAndTooLittleMemory() {
        FakeHost h = new FakeHost();
        h.files.put("/proc/self/mountinfo", String.join("\n",
                "25 24 0:22 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw",
                "26 24 0:23 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
                "27 24 0:24 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct"));
        h.files.put("/proc/meminfo", "MemTotal:        4000000 kB\nMemAvailable:    3000000 kB\n");
        List<String> lines = lines(h);
        assertThat(lines).anyMatch(l -> l.startsWith("BLOCKER  cgroup: cgroup v1 without the pids controller: [memory, cpu, "
                + "cpuacct] mounted (hybrid: a cgroup2 tree at /sys/fs/cgroup/unified too); fix: mount them"));
        assertThat(lines).contains("warning  memory: 3906 MiB MemTotal, 2929 MiB available; 32 runs x 512 MiB each exceed it: "
                + "the server will run at most 7 at once; fix: lower runs.max-concurrent or limits.memory in the "
                + "configuration, or add memory");
    }

    @Test
    void noReadyLanguageIsABlockerAndSkippedChecksAreLeftOut() {
        FakeHost h = new FakeHost();
        h.languages = List.of(new Doctor.LanguageState("ruby", "host", true, false, "'ruby' not found", List.of("ruby")));
        List<Doctor.Finding> f = Doctor.examine(h, CONFIG, Set.of("port", "sandbox"));
        assertThat(f).extracting(Doctor.Finding::line).contains(
                "BLOCKER  images: no language of the catalog (1) can run here; fix: apt-get install ruby");
        assertThat(f).extracting(Doctor.Finding::check).doesNotContain("port", "sandbox");
        assertThatThrownBy(() -> Doctor.examine(h, CONFIG, Set.of("nope"))).hasMessageStartingWith("no check named 'nope'");
    }
}
