package dev.ato.server.doctor;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.Processes;
import dev.ato.sandbox.nativeaccess.Sys;
import dev.ato.server.ImageResolver;
import dev.ato.server.ServerConfig;
import dev.ato.server.internal.LanguageStatus;
import dev.ato.server.internal.PortCheck;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The facts of the machine the doctor runs on. */
public final class RealHost implements Doctor.Host {
    @Override
    public int euid() {
        return Processes.effectiveUid();
    }

    @Override
    public Optional<String> read(String path) {
        try {
            return Optional.of(Files.readString(Path.of(path), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean executable(String path) {
        Path p = Path.of(path);
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }

    @Override
    public Doctor.Probe run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
                    new java.io.File("/dev/null"))).start();
            byte[] out;
            try (var in = p.getInputStream()) {
                out = in.readNBytes(8192);
            }
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Doctor.Probe(124, "timed out after 20 s");
            }
            return new Doctor.Probe(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Doctor.Probe(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Doctor.Probe(130, "interrupted");
        }
    }

    @Override
    public Optional<String> pidfdProblem() {
        int fd = Processes.tryPidfdOpen((int) ProcessHandle.current().pid());
        if (fd < 0) return Optional.of(Errno.name(-fd));
        Sys.closeQuietly(fd);
        return Optional.empty();
    }

    @Override
    public String javaVersion() {
        return System.getProperty("java.version");
    }

    @Override
    public String javaHome() {
        return System.getProperty("java.home");
    }

    @Override
    public List<Doctor.LanguageState> languages(ServerConfig config) {
        LanguageCatalog catalog = LanguageCatalog.builtIn();
        ImageResolver images = ImageResolver.hostAndStore(config.imageDir());
        List<Doctor.LanguageState> out = new ArrayList<>();
        for (Language l : catalog.all()) {
            LanguageStatus.Readiness r = LanguageStatus.check(l, images);
            out.add(new Doctor.LanguageState(l.id(), l.image(), l.onHostImage(), r.ready(),
                    r.reason() == null ? "" : r.reason(), l.packages()));
        }
        return out;
    }

    @Override
    public Optional<String> portProblem(String host, int port) {
        return PortCheck.problem(host, port);
    }

    @Override
    public Optional<String> sandboxProblem(ServerConfig config) {
        // Its own run directory and cgroup name, so it never meets a server running on this host.
        ServerConfig own = config.toBuilder().runDir(Path.of(config.runDir() + "-doctor"))
                .cgroupName(config.cgroupName() + "-doctor").build();
        try (Sandbox sandbox = Sandbox.create(own.sandboxConfig())) {
            CompletedRun r = sandbox.run(RunSpec.builder().image(Image.host()).command("true")
                    .timeout(Duration.ofSeconds(20)).build());
            if (!r.result().succeeded()) {
                return Optional.of("/bin/true ended " + r.result().statusType().wireName() + " " + r.result().statusValue());
            }
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
    }
}
