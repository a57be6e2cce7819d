package dev.ato.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that needs a real {@link dev.ato.sandbox.Sandbox}.
 *
 * <p>Test methods, constructors and lifecycle methods may declare a {@code Sandbox} parameter: they get one
 * sandbox per test class, made on first use and closed after the class. Where the host cannot run
 * containers (not root, no overlayfs, no cgroup controller ...) every test of the class is skipped, and the
 * reason the sandbox gave is shown as the skip reason.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(SandboxExtension.class)
public @interface SandboxTest {
}
