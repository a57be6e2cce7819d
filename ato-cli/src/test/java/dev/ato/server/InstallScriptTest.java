package dev.ato.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * setup/install.sh and setup/uninstall.sh for real, into a destination directory ({@code ATO_DESTDIR}) instead of
 * /, so the machine running the tests keeps its own /opt, /etc and nginx: the installed build (its own jars and
 * launcher, no checkout) passes {@code ato doctor} and serves a run, the nginx site replaces Debian's default site
 * in a copy of /etc/nginx that {@code nginx -t} accepts, and uninstall.sh removes all of it but the image store.
 * systemd's side (enable, restart, READY=1) runs in the host-matrix VM; here the unit is checked with
 * {@code systemd-analyze verify}.
 */
@Tag("kernel")
@Tag("proxy")
class InstallScriptTest {
    private static final Path SETUP = Path.of("..", "setup").toAbsolutePath().normalize();

    @Test
    void installsAnInstalledBuildThatServesAndUninstallsAllButTheImageStore() throws Exception {
        Path d = Files.createTempDirectory("ato-install-test");
        try {
            // A copy of Debian's nginx configuration whose includes stay inside the copy.
            Files.createDirectories(d.resolve("etc"));
            Sh.ok("cp", "-a", "/etc/nginx", d.resolve("etc/nginx").toString());
            Path nginxConf = d.resolve("etc/nginx/nginx.conf");
            Files.writeString(nginxConf, Files.readString(nginxConf).replace("include /etc/nginx/", "include " + d + "/etc/nginx/"));
            Files.deleteIfExists(d.resolve("etc/nginx/sites-enabled/default"));
            Files.createSymbolicLink(d.resolve("etc/nginx/sites-enabled/default"), Path.of("../sites-available/default"));

            Map<String, String> env = Map.of("ATO_DESTDIR", d.toString(), "ATO_PORT", "0");
            Sh.Result install = Sh.run(env, SETUP.resolve("install.sh").toString(), "--with-nginx", "--no-build");
            assertThat(install.status()).as(install.output()).isZero();
            assertThat(install.output()).contains("ato doctor: ready to serve")
                    .contains("disabled Debian's default nginx site").contains("test is successful");

            // The installed build: its launcher pins this JDK and finds its jars next to itself.
            Path launcher = d.resolve("opt/ato/bin/ato");
            assertThat(Files.isExecutable(launcher)).isTrue();
            assertThat(Files.readString(launcher)).contains(System.getProperty("java.home") + "/bin/java")
                    .doesNotContain("mvn").doesNotContain("/ato-cli/target");
            assertThat(d.resolve("opt/ato/lib/ato-cli.jar")).isRegularFile();
            try (var libs = Files.list(d.resolve("opt/ato/lib"))) {
                assertThat(libs.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("jna-")).anyMatch(n -> n.startsWith("ato-server-"))
                        .anyMatch(n -> n.startsWith("ato-sandbox-")).anyMatch(n -> n.startsWith("helidon-webserver-"));
            }
            assertThat(Files.readSymbolicLink(d.resolve("usr/local/bin/ato"))).isEqualTo(Path.of("/opt/ato/bin/ato"));
            assertThat(d.resolve("etc/ato/config.yaml")).hasSameTextualContentAs(SETUP.resolve("config.yaml"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.resolve("var/lib/ato")))).isEqualTo("rwx------");
            assertThat(d.resolve("etc/systemd/system/ato.service")).hasSameTextualContentAs(SETUP.resolve("systemd/ato.service"));
            assertThat(d.resolve("etc/nginx/sites-enabled/default")).doesNotExist();
            assertThat(Files.isSymbolicLink(d.resolve("etc/nginx/sites-enabled/ato"))).isTrue();
            assertThat(d.resolve("etc/nginx/snippets/ato-locations.conf")).isRegularFile();
            assertThat(Files.readAllLines(d.resolve("etc/ato/install.manifest"))).contains("prefix /opt/ato",
                    "config /etc/ato/config.yaml", "nginx-default-disabled /etc/nginx/sites-enabled/default",
                    "unit /etc/systemd/system/ato.service");

            // The unit parses and names the installed launcher (not the checkout's ./ato).
            String unit = Files.readString(d.resolve("etc/systemd/system/ato.service"));
            assertThat(unit).contains("Type=notify", "ExecStartPre=/opt/ato/bin/ato doctor --config /etc/ato/config.yaml",
                    "ExecStart=/opt/ato/bin/ato serve --config /etc/ato/config.yaml", "Restart=on-failure", "Delegate=yes");
            Sh.Result verify = Sh.run(Map.of(), "systemd-analyze", "verify", "--root=" + d, d.resolve("etc/systemd/system/ato.service").toString());
            assertThat(verify.output()).as("systemd-analyze verify").doesNotContain("Unknown key")
                    .doesNotContain("Unknown section").doesNotContain("not executable").doesNotContain("Failed to parse");

            serveWithTheInstalledBuild(launcher);

            // Uninstall: everything but the image store, and Debian's default site back.
            Files.createDirectories(d.resolve("var/lib/ato/images/layers"));
            Files.writeString(d.resolve("var/lib/ato/client-key.secret"), "x");
            Sh.Result un = Sh.run(Map.of("ATO_DESTDIR", d.toString()), SETUP.resolve("uninstall.sh").toString());
            assertThat(un.status()).as(un.output()).isZero();
            for (String gone : List.of("opt/ato", "usr/local/bin/ato", "etc/ato", "etc/systemd/system/ato.service",
                    "etc/nginx/sites-available/ato", "etc/nginx/sites-enabled/ato", "etc/nginx/snippets/ato-locations.conf",
                    "var/lib/ato/client-key.secret")) {
                assertThat(Files.exists(d.resolve(gone), LinkOption.NOFOLLOW_LINKS)).as(gone).isFalse();
            }
            assertThat(d.resolve("var/lib/ato/images/layers")).isDirectory();
            assertThat(Files.readSymbolicLink(d.resolve("etc/nginx/sites-enabled/default"))).isEqualTo(Path.of("../sites-available/default"));
            Sh.Result purge = Sh.run(Map.of("ATO_DESTDIR", d.toString()), SETUP.resolve("uninstall.sh").toString(), "--purge");
            assertThat(purge.status()).as(purge.output()).isZero();
            assertThat(d.resolve("var/lib/ato")).doesNotExist();
        } finally {
            TestDirs.deleteTree(d);
        }
    }

    /** The installed launcher serves a run, then drains on SIGTERM and exits 0. */
    private static void serveWithTheInstalledBuild(Path launcher) throws Exception {
        try (ChildServer c = new ChildServer("install", List.of(launcher.toString()), Map.of("ATO_DRAIN_DELAY", "0s"))) {
            assertThat(c.health()).isEqualTo(200);
            try (Wire.Ws ws = new Wire.Ws(c.base(), Map.of("Origin", "https://elsewhere.example"))) {
                assertThat(Wire.stdout(ws.send(Wire.Req.of("bash", "echo installed")).untilDone(Duration.ofSeconds(30))))
                        .isEqualTo("installed\n");
            }
            c.terminate();
            assertThat(c.exited(Duration.ofSeconds(30))).isTrue();
            assertThat(c.process.exitValue()).as("%s", c.lines).isZero();
            assertThat(c.lines).anyMatch(l -> l.contains("drained in"));
        }
    }
}
