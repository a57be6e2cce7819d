package dev.ato.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.logging.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./ato}: the command line. Subcommands: {@code serve}, {@code run}, {@code languages}, {@code bench}, {@code doctor}.
 */
@Command(name = "ato", mixinStandardHelpOptions = true,
        description = "Attempt This Online for the JVM: run code in throwaway Linux containers.",
        subcommands = {ServeCommand.class, RunCommand.class, LanguagesCommand.class, BenchCommand.class,
                DoctorCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Entry point; exits with the subcommand's status. */
    public static void main(String[] args) {
        configureLogging();
        System.exit(commandLine().execute(args));
    }

    /**
     * One line per record for the command line's own logging, unless the user names a configuration of their own.
     * The file is the CLI's, not the server library's: an application embedding {@code AtoServer} keeps its logging.
     */
    static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (InputStream in = Main.class.getResourceAsStream("logging.properties")) {
            if (in != null) {
                LogManager.getLogManager().readConfiguration(in);
            }
        } catch (IOException e) {
            System.err.println("ato: logging configuration unreadable, using the JDK's: " + e.getMessage());
        }
    }

    /** The command tree (other modules' commands are added here). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Other engineers' subcommands are registered below, one line each.
        cl.addSubcommand("image", new ImageCommand());
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
