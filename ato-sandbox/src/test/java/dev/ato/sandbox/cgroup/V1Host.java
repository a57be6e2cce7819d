package dev.ato.sandbox.cgroup;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Test support for this host's real cgroup hierarchies (the v1 controllers, and the cgroup2 tree of
 * {@link V2DriverKernelTest}): where they are, gated processes, cleanup.
 */
final class V1Host {
    private V1Host() { }

    /** The v1 controller mounts from this host's mountinfo; skips the test where one is missing or not root. */
    static Map<String, Path> mountsOrSkip() {
        assumeTrue("root".equals(System.getProperty("user.name")), "cgroup tests need root");
        Map<String, Path> m = new java.util.LinkedHashMap<>();
        try {
            for (CgroupProbe.CgroupMount mount : CgroupProbe.parse(Files.readString(Path.of("/proc/self/mountinfo")))) {
                if (mount.v2()) continue;
                for (String c : CgroupProbe.V1_CONTROLLERS) {
                    if (mount.options().contains(c)) m.putIfAbsent(c, mount.mountPoint());
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assumeTrue(m.keySet().containsAll(CgroupProbe.V1_CONTROLLERS),
                "this host lacks a cgroup v1 controller of " + CgroupProbe.V1_CONTROLLERS + ": found " + m.keySet());
        return m;
    }

    /** A cgroup name of its own per test class, so tests never touch a real sandbox's tree. */
    static String uniqueName() {
        return "ato-test-" + ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
    }

    /** {@code <mount>/<name>} in each controller hierarchy. */
    static List<Path> roots(Map<String, Path> mounts, String name) {
        List<Path> out = new ArrayList<>();
        for (Path p : mounts.values()) {
            if (!out.contains(p.resolve(name))) out.add(p.resolve(name));
        }
        return out;
    }

    /** Removes a test's whole tree, deepest first (cgroupfs directories go by rmdir only). */
    static void removeTree(Map<String, Path> mounts, String name) throws IOException {
        for (Path root : roots(mounts, name)) removeTree(root);
    }

    /** Removes one cgroup directory and everything below it, deepest first; nothing if it is absent. */
    static void removeTree(Path root) throws IOException {
        if (!Files.isDirectory(root)) return;
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(root)) {
            dirs = s.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        }
        for (Path d : dirs) Files.deleteIfExists(d);
    }

    /** A shell started with its stdin as a gate: it runs {@code script} once {@link Gated#open()} is called. */
    static Gated gated(String script) throws IOException {
        return gated("sh", script);
    }

    /** As {@link #gated(String)} with the given shell. */
    static Gated gated(String shell, String script) throws IOException {
        Process p = new ProcessBuilder(shell, "-c", "read go; " + script)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        return new Gated(p);
    }

    /** A started shell waiting on its gate. */
    record Gated(Process process) {
        int pid() {
            return (int) process.pid();
        }

        /** Puts the shell into {@code run}, then lets it run its script. */
        void startIn(RunCgroup run) throws IOException {
            run.addProcess(pid());
            open();
        }

        void open() throws IOException {
            OutputStream in = process.getOutputStream();
            in.write('\n');
            in.flush();
        }

        String stderr() throws IOException {
            return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
