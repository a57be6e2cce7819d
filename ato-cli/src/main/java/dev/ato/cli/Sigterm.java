package dev.ato.cli;

import java.lang.reflect.Proxy;

/**
 * Handles SIGTERM in place of the JVM's default (run the shutdown hooks, exit 143). Java has no public API for
 * it; {@code sun.misc.Signal} (module jdk.unsupported, kept for exactly this) is reached by reflection because
 * javac warns on every direct use with no way to suppress the warning, and the build treats warnings as errors.
 */
final class Sigterm {
    private Sigterm() { }

    /** From now on each SIGTERM runs {@code onSignal} (on the JVM's signal thread) instead of ending the JVM. */
    static void handle(Runnable onSignal) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(Sigterm.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            onSignal.run();
                            yield null;
                        }
                        case "equals" -> proxy == args[0];
                        case "hashCode" -> System.identityHashCode(proxy);
                        default -> "SIGTERM handler";
                    });
            signal.getMethod("handle", signal, handlerType)
                    .invoke(null, signal.getConstructor(String.class).newInstance("TERM"), handler);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot handle SIGTERM on this JVM: " + e, e);
        }
    }
}
