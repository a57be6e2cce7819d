package dev.ato.rootfs;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs helper programs (umoci, skopeo, tar, mount) from tests and fails loudly when they fail. */
public final class Cmd {
    private Cmd() { }

    /**
     * A {@code java} command that runs a test class's main in a JVM of its own, on a class path holding every
     * class this test JVM has (its class path and, since the tests run in the module dev.ato.rootfs, its module
     * path too).
     */
    public static List<String> javaMain(Class<?> main, String... args) {
        String cp = System.getProperty("java.class.path") + File.pathSeparator + System.getProperty("jdk.module.path", "");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", cp, main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    public static String run(String... cmd) {
        return run(List.of(cmd));
    }

    public static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + cmd);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) throw new AssertionError(cmd + " exited " + p.exitValue() + ":\n" + text);
            return text;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
