package dev.ato.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that needs a running ATO server over the real sandbox.
 *
 * <p>Test methods, constructors and lifecycle methods may declare parameters of these types:
 * <ul>
 *   <li>{@link dev.ato.server.AtoServer}: one server per test class, on a free loopback port, with its own
 *       state directory, run directory and cgroup name; started on first use, closed after the class (every run
 *       killed, its directories and cgroups removed);
 *   <li>{@link java.net.URI}: that server's base, {@code http://127.0.0.1:PORT} (the WebSocket is at
 *       {@code /api/v1/ws/execute}, v0 at {@code /api/v0/execute});
 *   <li>{@link dev.ato.protocol.AtoClient}: a client connected to it, one per test method (per class when
 *       asked for in a class-level method), closed after it.
 * </ul>
 * The server uses the built-in languages, the host image and the image store at its default place. Where the
 * host cannot run sandboxes (not root, no overlayfs, no cgroup controller ...) every test of the class is
 * skipped with the sandbox's reason.
 *
 * <pre>{@code
 * @AtoServerTest
 * class MyTest {
 *     @Test
 *     void echoes(AtoClient client) {
 *         Result r = client.run(ExecuteRequest.builder("bash").code("echo hi").build());
 *         assertEquals("hi\n", r.stdoutText());
 *     }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(AtoServerExtension.class)
public @interface AtoServerTest {
}
