package dev.ato.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.StoreConfig;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.OutputStreamKind;
import dev.ato.sandbox.Run;
import dev.ato.sandbox.RunResult;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.StatusType;
import dev.ato.server.ImageResolver;
import dev.ato.server.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./ato run}: one run in the local sandbox, no server. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run FILE as LANGUAGE in the local sandbox; output streams to the terminal, then the Done record. "
                + "Exit status: the program's (128+signal when killed); 125 when the run could not be set up.")
public final class RunCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Files read from the command line are capped like a request: code, input at most 64 KiB each. */
    private static final int MAX_FILE = 1 << 16;

    @Parameters(index = "0", paramLabel = "LANGUAGE", description = "language id, e.g. python (see ./ato languages)")
    String language;

    @Parameters(index = "1", paramLabel = "FILE", description = "the program ('-' reads standard input)")
    String file;

    @Option(names = "--input", paramLabel = "F", description = "file given to the program as standard input")
    Path input;

    @Option(names = "--arg", paramLabel = "A", description = "an argument for the program (repeatable)")
    List<String> args = new ArrayList<>();

    @Option(names = "--option", paramLabel = "O", description = "an option for the interpreter or compiler (repeatable)")
    List<String> options = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "S", description = "timeout in seconds, 1..60 (default 60)")
    int timeout = 60;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration (limits, paths), as for serve")
    Path config;

    @Option(names = "--json", description = "one JSON object per line: {\"stdout\": ...}, {\"stderr\": ...}, {\"done\": {...}}")
    boolean json;

    @Option(names = "--image", paramLabel = "REF", description = "run in this image instead of the language's "
            + "(a reference of the image store, pulled first when absent, or 'host'); the language's runner is kept")
    String imageRef;

    /** Exit status when the run could not be made (bad option, unknown language, image error): as docker run's. */
    static final int SETUP_FAILED = Main.SETUP_FAILED;

    @Override
    public Integer call() throws IOException, InterruptedException {
        try {
            return runOnce();
        } catch (ImageException | IllegalArgumentException e) {
            System.err.println("ato run: " + Main.oneLine(e));
            return SETUP_FAILED;
        }
    }

    private int runOnce() throws IOException, InterruptedException {
        if (timeout < 1 || timeout > 60) throw new IllegalArgumentException("--timeout must be 1..60: " + timeout);
        LanguageCatalog catalog = LanguageCatalog.builtIn();
        Language lang = catalog.find(language).orElseThrow(() -> new IllegalArgumentException(
                "no such language: " + language + " (see ./ato languages)"));
        ServerConfig cfg = ServerConfig.load(Optional.ofNullable(config));
        SandboxConfig sandboxConfig = cfg.sandboxConfig();
        Image image = imageRef != null ? ImageResolver.forLanguage(imageFor(imageRef, cfg, sandboxConfig), lang)
                : ImageResolver.hostAndStore(cfg.imageDir(), sandboxConfig).resolve(lang).orElseThrow(() -> new IllegalArgumentException(
                "language " + language + " needs image '" + lang.image() + "', which is not on this host "
                        + "(./ato image pull " + lang.image() + ", or --image REF)"));
        byte[] code = "-".equals(file) ? System.in.readNBytes(MAX_FILE + 1) : readCapped(Path.of(file));
        if (code.length > MAX_FILE) throw new IllegalArgumentException("the program is larger than 64 KiB");
        byte[] in = input == null ? new byte[0] : readCapped(input);

        RunSpec spec = RunSpec.builder().image(image).runnerScript(lang.runner()).code(code).input(in)
                .arguments(args.stream().map(a -> a.getBytes(StandardCharsets.UTF_8)).toList())
                .options(options.stream().map(o -> o.getBytes(StandardCharsets.UTF_8)).toList())
                .limits(cfg.limits()).timeout(Duration.ofSeconds(timeout)).build();

        // The sandbox's thread only queues; this thread writes, so a slow terminal never stalls the run.
        LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        try (Sandbox sandbox = Sandbox.create(sandboxConfig)) {
            Run run = sandbox.start(spec, (stream, chunk) -> events.add(new Chunk(stream, chunk)));
            Thread hook = new Thread(run::kill, "ato-run-kill");
            Runtime.getRuntime().addShutdownHook(hook);
            run.result().whenComplete((r, e) -> events.add(r != null ? r : e));
            Printer printer = new Printer(json);
            while (true) {
                Object ev = events.take();
                if (ev instanceof Chunk c) {
                    printer.chunk(c.stream, c.data);
                } else if (ev instanceof RunResult r) {
                    printer.done(r);
                    Runtime.getRuntime().removeShutdownHook(hook);
                    return exitStatus(r);
                } else {
                    throw new IllegalStateException("the sandbox failed: " + ev, (Throwable) ev);
                }
            }
        }
    }

    /**
     * {@code host}, or the stored image {@code ref}, pulled with progress bars when the store lacks it. The store
     * is opened with the sandbox's id mapping, so layers pulled here are owned by the ids its containers map.
     */
    private static Image imageFor(String ref, ServerConfig cfg, SandboxConfig sandboxConfig) {
        if ("host".equals(ref)) return Image.host();
        ImageReference parsed = ImageReference.parse(ref);
        return ImageStore.open(cfg.imageDir(), StoreConfig.defaults().forSandbox(sandboxConfig))
                .findOrPull(parsed, new ImageCommand.Bars()).toSandboxImage();
    }

    private static byte[] readCapped(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            byte[] b = in.readNBytes(MAX_FILE + 1);
            if (b.length > MAX_FILE) throw new IllegalArgumentException(p + " is larger than 64 KiB");
            return b;
        }
    }

    static int exitStatus(RunResult r) {
        return r.statusType() == StatusType.EXITED ? r.statusValue() & 0xff : 128 + (r.statusValue() & 0x7f);
    }

    private record Chunk(OutputStreamKind stream, byte[] data) { }

    /** Writes chunks and the Done record, raw or as JSON lines. */
    static final class Printer {
        private final boolean json;
        private final Utf8Text outText = new Utf8Text();
        private final Utf8Text errText = new Utf8Text();

        Printer(boolean json) {
            this.json = json;
        }

        void chunk(OutputStreamKind stream, byte[] data) {
            if (!json) {
                PrintStream ps = stream == OutputStreamKind.STDOUT ? System.out : System.err;
                ps.write(data, 0, data.length);
                ps.flush();
                return;
            }
            record(stream, (stream == OutputStreamKind.STDOUT ? outText : errText).decode(data, false));
        }

        private static void record(OutputStreamKind stream, String text) {
            if (text.isEmpty()) return;
            ObjectNode n = JSON.createObjectNode();
            n.put(stream == OutputStreamKind.STDOUT ? "stdout" : "stderr", text);
            System.out.println(n);
            System.out.flush();
        }

        void done(RunResult r) {
            if (!json) {
                System.err.printf("ato: %s %d%s, real %.1f ms, user %.1f ms, kernel %.1f ms, max mem %d KiB%s%s%n",
                        r.statusType().wireName(), r.statusValue(), r.timedOut() ? " (timed out)" : "",
                        r.realNanos() / 1e6, r.userNanos() / 1e6, r.kernelNanos() / 1e6, r.maxMemKib(),
                        r.stdoutTruncated() || r.stderrTruncated() ? ", output truncated" : "",
                        r.oomKilled() ? ", out of memory" : "");
                return;
            }
            // Bytes of a character the program never finished are not dropped: they end as U+FFFD.
            record(OutputStreamKind.STDOUT, outText.decode(new byte[0], true));
            record(OutputStreamKind.STDERR, errText.decode(new byte[0], true));
            ObjectNode d = JSON.createObjectNode();
            d.put("status_type", r.statusType().wireName());
            d.put("status_value", r.statusValue());
            d.put("timed_out", r.timedOut());
            d.put("stdout_truncated", r.stdoutTruncated());
            d.put("stderr_truncated", r.stderrTruncated());
            d.put("real", r.realNanos());
            d.put("kernel", r.kernelNanos());
            d.put("user", r.userNanos());
            d.put("max_mem", r.maxMemKib());
            d.put("waits", r.waits());
            d.put("preemptions", r.preemptions());
            d.put("major_page_faults", r.majorPageFaults());
            d.put("minor_page_faults", r.minorPageFaults());
            d.put("input_ops", r.inputOps());
            d.put("output_ops", r.outputOps());
            d.put("oom_killed", r.oomKilled());
            d.put("cgroup_max_mem", r.cgroupPeakKib());
            ObjectNode n = JSON.createObjectNode();
            n.set("done", d);
            System.out.println(n);
            System.out.flush();
        }
    }

    /**
     * One stream's bytes as text, across chunks: a UTF-8 sequence split between two chunks is kept until its
     * end arrives (CharsetDecoder leaves such bytes in its input buffer for the caller to carry over).
     */
    static final class Utf8Text {
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private byte[] rest = new byte[0];

        /** The text of {@code data} after what was held back; {@code end}: the stream is over, hold nothing back. */
        String decode(byte[] data, boolean end) {
            ByteBuffer in = ByteBuffer.allocate(rest.length + data.length).put(rest).put(data).flip();
            CharBuffer out = CharBuffer.allocate(in.remaining() + 4);
            decoder.decode(in, out, end);
            if (end) decoder.flush(out);
            rest = new byte[in.remaining()];
            in.get(rest);
            return out.flip().toString();
        }
    }
}
