package dev.ato.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ato.cli.bench.ExtractBenchmark;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.Recipe;
import dev.ato.rootfs.RegistryCredentials;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;

/**
 * {@code ./ato image ...}: the image store on the command line (pull, import, build, ls, inspect, rm, gc,
 * fstab, bench-extract). Errors print one line naming what failed and exit with status 1. The store's options
 * ({@code --store}, {@code --platform} ...) go before or after the subcommand.
 */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Manage the image store: pull from registries, import archives and OCI layouts, build Debian images, list, inspect, remove, gc.",
        subcommands = {ImageCommand.Pull.class, ImageCommand.Import.class, ImageCommand.Build.class, ImageCommand.Ls.class,
                ImageCommand.Inspect.class, ImageCommand.Rm.class, ImageCommand.Gc.class, ImageCommand.Fstab.class,
                ImageCommand.BenchExtract.class})
public final class ImageCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "DIR", description = "image store root (default /var/lib/ato/images)")
    Path store = ImageStore.defaultRoot();

    @Option(names = "--uid-base", scope = ScopeType.INHERIT, paramLabel = "N", description = "host uid/gid that container root maps to (default 100000, the sandbox's)")
    int uidBase = 100000;

    @Option(names = "--platform", scope = ScopeType.INHERIT, paramLabel = "OS/ARCH", description = "platform picked from multi-platform images (default linux/amd64)")
    String platform = "linux/amd64";

    @Option(names = "--creds", scope = ScopeType.INHERIT, paramLabel = "USER:PASSWORD", description = "registry credentials (basic auth or token service); "
            + "prefer --creds-env")
    String creds;

    @Option(names = "--creds-env", scope = ScopeType.INHERIT, paramLabel = "VAR", description = "read USER:PASSWORD from this environment variable")
    String credsEnv;

    @Option(names = "--insecure", scope = ScopeType.INHERIT, paramLabel = "HOST", description = "speak plain HTTP to this registry (repeatable; loopback always is)")
    List<String> insecure = new ArrayList<>();

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Opens the store with the options given, credentials applying to {@code forRegistry} when set. */
    ImageStore open(String forRegistry) {
        String[] p = platform.split("/", 2);
        if (p.length != 2 || p[0].isEmpty() || p[1].isEmpty()) throw new IllegalArgumentException("--platform must look like linux/amd64: " + platform);
        StoreConfig cfg = StoreConfig.defaults().withIdMapping(uidBase, uidBase, 65536).withPlatform(p[0], p[1]);
        for (String h : insecure) cfg = cfg.withInsecureRegistry(h);
        String c = creds != null ? creds : credsEnv != null ? System.getenv(credsEnv) : null;
        if (credsEnv != null && c == null) throw new IllegalArgumentException("environment variable " + credsEnv + " is not set");
        if (c != null && forRegistry != null) {
            int colon = c.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("credentials must look like USER:PASSWORD");
            cfg = cfg.withCredentials(forRegistry, new RegistryCredentials(c.substring(0, colon), c.substring(colon + 1)));
        }
        return ImageStore.open(store.toAbsolutePath(), cfg);
    }

    /** Runs a subcommand body, turning image errors into one clear line and status 1. */
    static int guarded(Callable<Integer> body) throws Exception {
        try {
            return body.call();
        } catch (ImageException | IllegalArgumentException e) {
            System.err.println("ato image: " + Main.oneLine(e));
            return 1;
        }
    }

    /**
     * A subcommand that works on the store of its parent {@code image} command. Its body runs through
     * {@link #guarded}, so every subcommand reports image errors the same way.
     */
    abstract static class StoreCommand implements Callable<Integer> {
        @ParentCommand
        ImageCommand parent;

        @Override
        public final Integer call() throws Exception {
            return guarded(this::execute);
        }

        /** The subcommand's work; its result is the exit status. */
        abstract int execute() throws Exception;
    }

    /** One line per stored image for pull and import: reference, manifest digest and layer count. */
    static String summary(StoredImage img) {
        return img.reference().familiar() + " " + img.manifestDigest() + " (" + img.layers().size() + " layers)";
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1 << 20) return String.format("%.1f KiB", bytes / 1024.0);
        if (bytes < 1L << 30) return String.format("%.1f MiB", bytes / 1048576.0);
        return String.format("%.2f GiB", bytes / 1073741824.0);
    }

    /**
     * Progress bars on standard error, one line per layer (a pull fetches several at once), redrawn in place
     * with ANSI cursor movement on a terminal; elsewhere (logs, CI) only each task's start and end are printed.
     */
    static final class Bars implements ProgressListener {
        private static final int WIDTH = 30;

        private final PrintStream err = System.err;
        private final boolean tty = System.console() != null;
        /** id -> {done, total}; insertion order is display order. */
        private final Map<String, long[]> tasks = new java.util.LinkedHashMap<>();
        private final Map<String, String> outcomes = new java.util.HashMap<>();
        private int drawnLines;
        private long lastDraw;

        @Override
        public synchronized void started(String id, String what, long totalBytes) {
            tasks.put(id, new long[] {0, totalBytes});
            outcomes.remove(id);
            if (tty) redraw(true);
            else err.println(id + ": " + what + (totalBytes >= 0 ? " " + human(totalBytes) : ""));
        }

        @Override
        public synchronized void advanced(String id, long doneBytes) {
            long[] t = tasks.get(id);
            if (t == null) return;
            t[0] = doneBytes;
            if (tty) redraw(false);
        }

        @Override
        public synchronized void finished(String id, String outcome) {
            if (tty) {
                tasks.computeIfAbsent(id, k -> new long[] {0, -1});
                outcomes.put(id, outcome);
                redraw(true);
            } else {
                err.println(id + ": " + outcome);
            }
        }

        @Override
        public synchronized void message(String line) {
            // A message starts a new block of bars below it.
            err.println(line);
            tasks.clear();
            outcomes.clear();
            drawnLines = 0;
        }

        private void redraw(boolean force) {
            long now = System.nanoTime();
            if (!force && now - lastDraw < 100_000_000L) return;
            lastDraw = now;
            StringBuilder b = new StringBuilder();
            if (drawnLines > 0) b.append("\033[").append(drawnLines).append('A');
            for (Map.Entry<String, long[]> e : tasks.entrySet()) {
                long done = e.getValue()[0];
                long total = e.getValue()[1];
                String outcome = outcomes.get(e.getKey());
                b.append("\r\033[2K").append(e.getKey()).append(' ');
                if (outcome != null && total < 0) {
                    b.append(outcome);
                } else {
                    long shown = outcome != null && outcome.equals("done") && total >= 0 ? total : done;
                    int filled = total > 0 ? (int) Math.min(WIDTH, shown * WIDTH / total) : 0;
                    b.append('[').append("#".repeat(filled)).append(" ".repeat(WIDTH - filled)).append("] ").append(human(shown));
                    if (total >= 0) b.append(" / ").append(human(total));
                    if (outcome != null) b.append("  ").append(outcome);
                }
                b.append('\n');
            }
            drawnLines = tasks.size();
            err.print(b);
            err.flush();
        }
    }

    /** {@code ./ato image pull REF}. */
    @Command(name = "pull", mixinStandardHelpOptions = true, description = "Pull an image from its registry into the store (layers already stored are not downloaded).")
    static final class Pull extends StoreCommand {
        @Parameters(paramLabel = "REF", description = "image reference, e.g. python:3.12-slim or host:5000/team/img@sha256:...")
        String ref;

        @Override
        int execute() throws Exception {
            ImageReference r = ImageReference.parse(ref);
            StoredImage img = parent.open(r.registry()).pull(r, new Bars());
            System.out.println(summary(img));
            return 0;
        }
    }

    /** {@code ./ato image import FILE|DIR}. */
    @Command(name = "import", mixinStandardHelpOptions = true, description = "Import a docker save archive (tar, tar.gz, tar.zst) or an OCI image layout directory.")
    static final class Import extends StoreCommand {
        @Parameters(paramLabel = "FILE|DIR", description = "archive file or OCI layout directory")
        Path source;

        @Option(names = "--name", paramLabel = "REF", description = "store the (single) image of an OCI layout under this reference")
        String name;

        @Override
        int execute() throws Exception {
            ImageStore s = parent.open(null);
            List<StoredImage> imgs;
            if (Files.isDirectory(source)) {
                imgs = name != null ? List.of(s.importOciLayout(source, ImageReference.parse(name), new Bars())) : s.importOciLayout(source, new Bars());
            } else if (Files.isRegularFile(source)) {
                if (name != null) throw new IllegalArgumentException("--name applies to OCI layout directories; archives carry their own tags");
                imgs = s.importArchive(source, new Bars());
            } else {
                throw new IllegalArgumentException("no such file or directory: " + source);
            }
            for (StoredImage i : imgs) System.out.println(summary(i));
            return 0;
        }
    }

    /** {@code ./ato image build RECIPE}. */
    @Command(name = "build", mixinStandardHelpOptions = true, description = "Build an image from Debian packages with mmdebstrap, from a recipe such as setup/images/debian-python.yaml.")
    static final class Build extends StoreCommand {
        @Parameters(paramLabel = "RECIPE", description = "recipe file (YAML: name, suite, variant, packages, ...)")
        Path recipe;

        @Override
        int execute() throws Exception {
            StoredImage img = parent.open(null).build(Recipe.load(recipe), new Bars());
            System.out.println(img.reference().familiar() + " " + img.manifestDigest());
            return 0;
        }
    }

    /** {@code ./ato image ls}. */
    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List stored images.")
    static final class Ls extends StoreCommand {
        @Override
        int execute() throws Exception {
            List<StoredImage> all = parent.open(null).list();
            System.out.printf("%-50s %-20s %-7s %-15s %s%n", "REFERENCE", "MANIFEST", "LAYERS", "SOURCE", "CREATED");
            for (StoredImage i : all) {
                System.out.printf("%-50s %-20s %-7d %-15s %s%n", i.reference().familiar(), i.manifestDigest().substring(0, 19),
                        i.layers().size(), i.source(), i.created());
            }
            return 0;
        }
    }

    /** {@code ./ato image inspect REF}. */
    @Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show a stored image as JSON: digests, layer directories, Env, WorkingDir, Entrypoint, Cmd, size.")
    static final class Inspect extends StoreCommand {
        @Parameters(paramLabel = "REF")
        String ref;

        @Override
        int execute() throws Exception {
            ImageStore s = parent.open(null);
            StoredImage i = s.find(ref).orElseThrow(() -> new ImageException(ImageException.Kind.NOT_FOUND, "no image " + ref + " in " + s.root() + " (try ./ato image ls)"));
            ObjectMapper json = new ObjectMapper();
            ObjectNode n = json.createObjectNode();
            n.put("reference", i.reference().canonical());
            n.put("manifestDigest", i.manifestDigest());
            n.put("configDigest", i.configDigest());
            n.put("source", i.source());
            n.put("created", i.created().toString());
            var layers = n.putArray("layers");
            for (int k = 0; k < i.layers().size(); k++) {
                layers.addObject().put("diffId", i.layerDigests().get(k)).put("dir", i.layers().get(k).toString());
            }
            i.env().forEach(n.putArray("env")::add);
            n.put("workingDir", i.workingDir());
            i.entrypoint().forEach(n.putArray("entrypoint")::add);
            i.cmd().forEach(n.putArray("cmd")::add);
            n.put("sizeBytes", s.diskUsage(i.layers()));
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            return 0;
        }
    }

    /** {@code ./ato image rm REF}. */
    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove an image from the store (its layers go at the next gc).")
    static final class Rm extends StoreCommand {
        @Parameters(paramLabel = "REF", arity = "1..*")
        List<String> refs;

        @Override
        int execute() throws Exception {
            ImageStore s = parent.open(null);
            int rc = 0;
            for (String r : refs) {
                if (s.remove(r)) {
                    System.out.println("removed " + ImageReference.parse(r).familiar());
                } else {
                    System.err.println("ato image: no image " + r + " in " + s.root());
                    rc = 1;
                }
            }
            return rc;
        }
    }

    /** {@code ./ato image gc}. */
    @Command(name = "gc", mixinStandardHelpOptions = true, description = "Remove layers that no stored image uses.")
    static final class Gc extends StoreCommand {
        @Override
        int execute() throws Exception {
            ImageStore.GcResult r = parent.open(null).gc();
            r.removedLayers().forEach(d -> System.out.println("removed layer " + d));
            System.out.println(r.removedLayers().size() + " layers removed, " + human(r.bytesFreed()) + " freed");
            return 0;
        }
    }

    /** {@code ./ato image fstab}. */
    @Command(name = "fstab", mixinStandardHelpOptions = true, description = "Print /etc/fstab lines that mount stored images read-only (overlayfs) at boot, "
            + "one per image, under --mount-root.")
    static final class Fstab extends StoreCommand {
        @Option(names = "--mount-root", paramLabel = "DIR", description = "where the images are mounted (default /var/lib/ato/mnt)")
        Path mountRoot = Path.of("/var/lib/ato/mnt");

        @Parameters(paramLabel = "REF", arity = "0..*", description = "images (default: all)")
        List<String> refs = new ArrayList<>();

        @Override
        int execute() throws Exception {
            ImageStore s = parent.open(null);
            List<StoredImage> imgs = new ArrayList<>();
            if (refs.isEmpty()) imgs.addAll(s.list());
            for (String r : refs) imgs.add(s.find(r).orElseThrow(() -> new ImageException(ImageException.Kind.NOT_FOUND, "no image " + r)));
            for (StoredImage i : imgs) {
                String dir = i.reference().familiar().replaceAll("[^A-Za-z0-9._-]+", "_");
                System.out.println(i.fstabLine(mountRoot.toAbsolutePath().resolve(dir)));
            }
            return 0;
        }
    }

    /** {@code ./ato image bench-extract}. */
    @Command(name = "bench-extract", mixinStandardHelpOptions = true, description = "Extraction throughput of a ~200 MB layer: tar -x, umoci unpack and the store's extractor, same file, same run.")
    static final class BenchExtract implements Callable<Integer> {
        @Option(names = "--dir", paramLabel = "DIR", description = "work directory (default /var/tmp/ato-bench-extract)")
        Path dir = Path.of("/var/tmp/ato-bench-extract");

        @Option(names = "--mb", paramLabel = "N", description = "layer size in MB (default 200)")
        long mb = 200;

        @Option(names = "--runs", paramLabel = "N", description = "timed runs per extractor (default 5)")
        int runs = 5;

        @Option(names = "--gzip", description = "gzip the layer (as registries serve it) and compare with tar -xz")
        boolean gzip;

        @Override
        public Integer call() throws Exception {
            if (mb < 1 || runs < 1) throw new IllegalArgumentException("--mb and --runs must be positive");
            ExtractBenchmark.run(dir.toAbsolutePath(), mb << 20, runs, gzip, System.out);
            return 0;
        }
    }
}
