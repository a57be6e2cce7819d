/**
 * ATO's server as a library: {@code dev.ato.server} ({@code AtoServer}, {@code ServerConfig}, {@code ImageResolver})
 * and the host checks of {@code ./ato doctor} ({@code dev.ato.server.doctor}). {@code internal} is the server's
 * own, exported to ato-cli alone (the language status and systemd notification its commands print and send).
 *
 * <p>This descriptor is compiled when the jar is made (the {@code module-descriptor} execution of the pom), not
 * before the tests: the tests run on the class path, as the tests of ato-cli that share this module's packages do.
 * On the module path the server runs ({@code java --module-path ... -m dev.ato.cli/dev.ato.cli.Main serve}) but
 * the web page's files ({@code web/}, outside any package) are encapsulated and answer 404; {@code ./ato} and the
 * installed launcher use the class path.
 */
@SuppressWarnings("module") // dev.ato.cli is built after this module
module dev.ato.server {
    requires transitive dev.ato.protocol;
    requires transitive dev.ato.sandbox;
    requires transitive dev.ato.rootfs;
    requires transitive dev.ato.languages;
    requires com.fasterxml.jackson.databind;
    requires com.google.common;
    requires com.sun.jna;
    requires msgpack.core;
    requires org.yaml.snakeyaml;
    requires io.helidon.common;
    requires io.helidon.common.buffers;
    requires io.helidon.common.media.type;
    requires io.helidon.common.uri;
    requires io.helidon.health;
    requires io.helidon.http;
    requires io.helidon.webserver;
    requires io.helidon.webserver.observe;
    requires io.helidon.webserver.observe.health;
    requires io.helidon.webserver.staticcontent;
    requires io.helidon.webserver.websocket;
    requires io.helidon.websocket;

    exports dev.ato.server;
    exports dev.ato.server.doctor;
    exports dev.ato.server.internal to dev.ato.cli;
}
