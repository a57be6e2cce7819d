package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.sandbox.SandboxConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** What a sandbox may leave on the host after its runs: nothing but its fixed state files. */
final class Leftovers {
    private Leftovers() { }

    /** Asserts no process, cgroup, mount or state file of a run is left (waiting a little for the kernel). */
    static void assertNone(SandboxConfig config) throws Exception {
        long until = System.nanoTime() + 10_000_000_000L;
        while (true) {
            List<String> problems = find(config);
            if (problems.isEmpty()) return;
            if (System.nanoTime() > until) assertThat(problems).as("left behind by the sandbox").isEmpty();
            Thread.sleep(50);
        }
    }

    static List<String> find(SandboxConfig config) throws IOException {
        List<String> problems = new ArrayList<>();
        ProcessHandle.current().children().forEach(p -> problems.add("child process " + p.pid() + " " + p.info().commandLine().orElse("")));
        problems.addAll(processesOfUid(config.uidBase(), config.uidSlots() * config.uidCount()));
        problems.addAll(runCgroups(config.cgroupName()));
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            if (line.contains(config.stateDir().toString())) problems.add("mount " + line);
        }
        if (!Files.exists(config.stateDir(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) return problems; // removed by close
        try (Stream<Path> s = Files.list(config.stateDir())) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.equals("upper") || n.equals("root")) {
                    try (Stream<Path> inner = Files.list(p)) {
                        inner.forEach(q -> problems.add("state file " + q));
                    }
                } else if (!n.startsWith("bin-") && !n.startsWith("skel-") && !n.startsWith("mask-")) {
                    problems.add("state file " + p);
                }
            }
        }
        return problems;
    }

    /**
     * After the last sandbox of a config closed: besides {@link #assertNone}, neither the state directory
     * nor {@code <controller>/<name>} in any cgroup hierarchy exists any more.
     */
    static void assertClosedClean(SandboxConfig config) throws Exception {
        assertNone(config);
        String left = "";
        if (Files.isDirectory(config.stateDir(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.list(config.stateDir())) {
                left = s.map(p -> p.getFileName().toString()).sorted().toList().toString(); // another process's files say it shares the directory
            }
        }
        assertThat(config.stateDir()).as("state directory after close, holding %s", left).doesNotExist();
        assertThat(nameCgroups(config.cgroupName())).as("cgroup directories after close").isEmpty();
    }

    /** {@code <hierarchy>/<name>} in every cgroup hierarchy where it exists. */
    static List<Path> nameCgroups(String name) throws IOException {
        return hierarchies().stream().map(h -> h.resolve(name)).filter(d -> Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList();
    }

    /** The cgroup hierarchies' roots: /sys/fs/cgroup itself (cgroup v2) and its v1 controller directories. */
    static List<Path> hierarchies() throws IOException {
        List<Path> out = new ArrayList<>();
        out.add(Path.of("/sys/fs/cgroup"));
        if (Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) return out; // pure v2: its children are cgroups
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            s.forEach(out::add);
        }
        return out;
    }

    /** Host processes whose real uid is in uid slot 0 of a sandbox whose range starts at {@code uidBase}. */
    static List<String> processesOfUid(int uidBase) throws IOException {
        return processesOfUid(uidBase, 65536);
    }

    /** Host processes whose real uid is in {@code [uidBase, uidBase + count)}. */
    static List<String> processesOfUid(int uidBase, int count) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.toList()) {
                if (!p.getFileName().toString().matches("\\d+")) continue;
                try {
                    for (String line : Files.readAllLines(p.resolve("status"))) {
                        if (line.startsWith("Uid:")) {
                            int uid = Integer.parseInt(line.split("\\s+")[1]);
                            if (uid >= uidBase && uid - uidBase < count) found.add("process " + p.getFileName() + " uid " + uid);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // exited while we looked
                }
            }
        }
        return found;
    }

    /** Directories below {@code <controller>/<name>/p<pid>} (and the old layout's below {@code <name>}) in every hierarchy: client and run cgroups. */
    static List<String> runCgroups(String name) throws IOException {
        List<String> found = new ArrayList<>();
        for (Path h : hierarchies()) {
            Path dir = h.resolve(name);
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> w = Files.walk(dir)) {
                // A live sandbox's own subtree <name>/p<pid> stays while it lives: what is in it counts.
                w.filter(Files::isDirectory).filter(d -> !d.equals(dir))
                        .filter(d -> !(d.getParent().equals(dir) && d.getFileName().toString().matches("p\\d+")))
                        .forEach(d -> found.add("cgroup " + d));
            }
        }
        return found;
    }
}
