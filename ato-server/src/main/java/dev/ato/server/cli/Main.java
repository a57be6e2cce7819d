package dev.ato.server.cli;

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
        System.exit(commandLine().execute(args));
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
