package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The unit's hardening directives against a real sandbox run. systemd cannot run here (PID 1 is not systemd; the
 * host-matrix VM runs the unit itself), so each directive the unit sets is reproduced with the kernel mechanism
 * systemd uses for it, in a private mount namespace: {@code NoNewPrivileges} (prctl, via setpriv),
 * {@code ProtectSystem=full} (/usr /boot /efi /etc bound read-only), {@code ProtectHome} (an empty read-only mode-000
 * directory over /home /root /run/user), {@code PrivateTmp} (fresh /tmp and /var/tmp). Under all of them at once,
 * {@code ato run} (the server's code, from a copy of its jars outside /root) must run a program in a full sandbox;
 * and {@code ProtectKernelTunables} (/proc/sys read-only, which the unit leaves out) must break it, which
 * {@code ato doctor} must report.
 */
@Tag("kernel")
class ServiceHardeningTest {
    private static final Path UNIT = Path.of("..", "setup", "systemd", "ato.service");
    private static final Path D = Path.of("/run", "ato-hardening-test-" + ProcessHandle.current().pid());

    /** What the unit may set, and the shell lines that reproduce each in a private mount namespace. */
    private static final String EMULATION = String.join("\n",
            "for p in /usr /boot /efi /etc; do [ -d $p ] && mount --bind $p $p && mount -o remount,bind,ro $p; done",
            "for p in /home /root /run/user; do [ -d $p ] && mount --bind " + D + "/inaccessible $p "
                    + "&& mount -o remount,bind,ro $p; done",
            "mount -t tmpfs -o mode=1777 ato-private-tmp /tmp",
            "mount -t tmpfs -o mode=1777 ato-private-tmp /var/tmp");
    private static final Set<String> EMULATED = Set.of("NoNewPrivileges=yes", "ProtectSystem=full", "ProtectHome=yes",
            "PrivateTmp=yes");

    @BeforeAll
    static void copyTheServer() throws Exception {
        TestDirs.deleteTree(D);
        Files.createDirectories(D.resolve("inaccessible"));
        Files.setPosixFilePermissions(D.resolve("inaccessible"), Set.of());
        // The server's classes and jars, outside /root (where Maven's repository is): as /opt/ato holds them.
        Sh.ok("cp", "-a", Path.of("target", "classes").toAbsolutePath().toString(), D.resolve("classes").toString());
        Sh.ok("cp", "-a", Path.of("target", "lib").toAbsolutePath().toString(), D.resolve("lib").toString());
        Files.writeString(D.resolve("prog.sh"), "echo hardened; id -u; echo x > /tmp/f && cat /tmp/f\n");
        Files.writeString(D.resolve("ato.yaml"), "paths:\n  run-dir: " + D.resolve("run") + "\n  state-dir: " + D.resolve("state")
                + "\n  cgroup: " + D.getFileName() + "\n");
    }

    @AfterAll
    static void removeIt() {
        TestDirs.deleteTree(D);
    }

    /** Runs {@code ato ARGS} after {@code setup} in a private mount namespace, without new privileges. */
    private static Process ato(String setup, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cmd = setup + "\nexec setpriv --no-new-privs " + java + " --enable-native-access=ALL-UNNAMED -cp '"
                + D.resolve("classes") + ":" + D.resolve("lib") + "/*' dev.ato.cli.Main " + String.join(" ", args);
        ProcessBuilder pb = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "--", "sh", "-ec", cmd)
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("ATO_"));
        pb.environment().put("HOME", "/root");
        return pb.start();
    }

    private static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void theUnitSetsExactlyTheDirectivesThisTestReproduces() throws Exception {
        Set<String> set = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^(NoNewPrivileges|Protect\\w+|Private\\w+|Restrict\\w+|SystemCall\\w+|MemoryDeny\\w+"
                + "|LockPersonality|DevicePolicy|ProcSubset|CapabilityBoundingSet|AmbientCapabilities|ReadOnlyPaths|"
                + "InaccessiblePaths|ReadWritePaths|TemporaryFileSystem|BindReadOnlyPaths|UMask|KeyringMode|IPAddress\\w+)=(.*)$")
                .matcher(Files.readString(UNIT));
        while (m.find()) set.add(m.group(1) + "=" + m.group(2).strip());
        assertThat(set).isEqualTo(new TreeSet<>(EMULATED));
    }

    @Test
    void aRealRunWorksUnderEveryDirectiveTheUnitSets() throws Exception {
        Process p = ato(EMULATION, "run", "bash", D.resolve("prog.sh").toString(), "--config", D.resolve("ato.yaml").toString());
        String out = output(p);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith("hardened\n0\nx\n");
        assertThat(D.resolve("run")).doesNotExist();
    }

    @Test
    void protectKernelTunablesWouldBreakRunsAndTheDoctorSaysSo() throws Exception {
        String tunables = "mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys";
        Process p = ato(tunables, "run", "bash", D.resolve("prog.sh").toString(), "--config", D.resolve("ato.yaml").toString());
        String out = output(p);
        assertThat(p.exitValue()).as(out).isNotZero();
        assertThat(out).doesNotContain("hardened");

        Process doctor = ato(tunables, "doctor", "--config", D.resolve("ato.yaml").toString(), "--skip", "port", "--skip", "images");
        String report = output(doctor);
        assertThat(doctor.exitValue()).as(report).isEqualTo(1);
        assertThat(report).contains("BLOCKER  pidns: cannot make a PID namespace with its own /proc, in a user namespace: "
                + "unshare: mount /proc failed: Operation not permitted; fix: /proc must not have anything mounted over");
        assertThat(report).contains("ok       userns:").contains("ato doctor: cannot serve");
    }
}
