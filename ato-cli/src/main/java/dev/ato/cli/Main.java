package dev.ato.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import java.util.logging.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./ato}: the command line. Subcommands: {@code serve}, {@code run}, {@code languages}, {@code image},
 * {@code bench}, {@code doctor}. As docker's: paths are relative to the current directory, a command that cannot be
 * set up (bad option, missing file, not root, bad configuration) prints one {@code ato CMD: ...} line and exits
 * {@value #SETUP_FAILED}, never a stack trace; otherwise the exit status is the command's (for {@code run}, the
 * program's).
 */
@Command(name = "ato", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Attempt This Online for the JVM: run code in throwaway Linux containers.",
        subcommands = {ServeCommand.class, RunCommand.class, LanguagesCommand.class, BenchCommand.class,
                DoctorCommand.class})
public final class Main implements Runnable {
    /** Exit status when a command could not be set up: docker's. */
    static final int SETUP_FAILED = 125;

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
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + oneLine(e) + " (see "
                    + c.getCommandSpec().qualifiedName() + " --help)");
            return SETUP_FAILED;
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + setupError(e));
            return SETUP_FAILED;
        });
        return cl;
    }

    /** What went wrong, on one line, naming the file for the file system's errors (whose message is the path alone). */
    static String setupError(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        if (t instanceof NoSuchFileException f) return "no such file: " + f.getFile();
        if (t instanceof AccessDeniedException f) return "permission denied: " + f.getFile()
                + (isRoot() ? "" : " (ato needs root for its sandbox)");
        if (t instanceof FileSystemException f) return f.getFile() + ": " + f.getReason();
        return oneLine(t);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The message of the exception and its causes, on one line. */
    static String oneLine(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 1000; t = t.getCause()) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (sb.indexOf(m) >= 0) continue;
            if (sb.length() > 0) sb.append(": ");
            sb.append(m);
        }
        return sb.toString().replaceAll("\\s*\\R\\s*", " ");
    }

    /** {@code --version}: the build's version, from a resource Maven filters. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"ato " + p.getProperty("version", "unknown")};
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
