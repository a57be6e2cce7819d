package dev.ato.cli;

import dev.ato.server.ServerConfig;
import dev.ato.server.doctor.Doctor;
import dev.ato.server.doctor.RealHost;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ato doctor}: the preflight. One line per check ({@code ok}, {@code warning} or {@code BLOCKER}, each problem
 * with its fix), then a summary; exit 1 when a blocker was found. setup/install.sh runs it, and the systemd unit
 * runs it before every start.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = "Check that this host can serve ATO (kernel features by using them, cgroups, memory, bash-static, "
                + "the JDK, the catalog's images, the port, a real sandbox run). Exit 1 on a blocker.")
public final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration, as for serve.")
    Path config;

    @Option(names = "--skip", paramLabel = "CHECK", description = "Leave a check out (repeatable): ${COMPLETION-CANDIDATES}.",
            completionCandidates = Checks.class)
    List<String> skip = List.of();

    /** The check names, for picocli's help. */
    static final class Checks extends java.util.ArrayList<String> {
        Checks() {
            super(Doctor.CHECKS);
        }
    }

    @Override
    public Integer call() {
        ServerConfig cfg;
        List<Doctor.Finding> findings;
        try {
            cfg = ServerConfig.load(Optional.ofNullable(config));
            findings = Doctor.examine(new RealHost(), cfg, new LinkedHashSet<>(skip));
        } catch (IllegalArgumentException e) {
            System.err.println("ato doctor: " + Main.oneLine(e));
            return Main.SETUP_FAILED;
        }
        long blockers = findings.stream().filter(f -> f.severity() == Doctor.Severity.BLOCKER).count();
        long warnings = findings.stream().filter(f -> f.severity() == Doctor.Severity.WARNING).count();
        for (Doctor.Finding f : findings) System.out.println(f.line());
        System.out.println("ato doctor: " + (blockers == 0 ? "ready to serve" : "cannot serve") + " (" + blockers
                + " blockers, " + warnings + " warnings)");
        System.out.flush();
        return blockers == 0 ? 0 : 1;
    }
}
