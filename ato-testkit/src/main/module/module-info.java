/**
 * JUnit 5/6 extensions that give a test a real ATO server or sandbox ({@code @AtoServerTest},
 * {@code @SandboxTest}). Compiled when the jar is made, as ato-server's (see there).
 */
module dev.ato.testkit {
    requires transitive org.junit.jupiter.api;
    requires transitive dev.ato.server;

    exports dev.ato.testkit;
    opens dev.ato.testkit to org.junit.platform.commons;
}
