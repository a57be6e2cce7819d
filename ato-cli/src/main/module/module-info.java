/**
 * The {@code ato} command line (picocli): {@code serve}, {@code run}, {@code languages}, {@code image},
 * {@code bench}, {@code doctor}. Nothing is exported: it is a program, not a library. Compiled when the jar is
 * made, as ato-server's (see there).
 */
module dev.ato.cli {
    requires dev.ato.server;
    requires com.fasterxml.jackson.databind;
    requires info.picocli;
    requires java.logging;
    requires java.net.http;
    requires jdk.unsupported; // sun.misc.Signal: SIGTERM starts the drain
    requires org.apache.commons.compress;

    // picocli reads the commands' annotated fields and calls their methods.
    opens dev.ato.cli to info.picocli;
}
