package dev.ato.languages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The language catalog: {@code languages.json} (ATO's shape) plus one runner script per id, checked as a
 * whole when loaded: an entry without a runner, or a runner without an entry, is an error naming it.
 */
public final class LanguageCatalog {
    private static final String BUILT_IN = "/dev/ato/languages/";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Far above any real catalog or runner; a bigger file is a mistake, not something to load into memory. */
    static final long MAX_CATALOG_BYTES = 8L << 20;
    static final long MAX_RUNNER_BYTES = 256L << 10;

    /** A runner line that stands for a file of {@link #LIB}. */
    static final String INCLUDE = "#ato:include ";
    /** The directory beside the runners holding what they include (not a runner itself). */
    static final String LIB = "lib";

    private final Map<String, Language> languages;

    private LanguageCatalog(Map<String, Language> languages) {
        this.languages = Collections.unmodifiableMap(languages);
    }

    /** The catalog bundled in this jar. */
    public static LanguageCatalog builtIn() {
        URL url = LanguageCatalog.class.getResource(BUILT_IN + "languages.json");
        if (url == null) throw new CatalogException("built-in catalog missing: " + BUILT_IN + "languages.json");
        try {
            URI uri = url.toURI();
            if ("jar".equals(uri.getScheme())) {
                FileSystem fs;
                try {
                    fs = FileSystems.getFileSystem(uri);
                } catch (FileSystemNotFoundException e) {
                    try {
                        fs = FileSystems.newFileSystem(uri, Map.of());
                    } catch (FileSystemAlreadyExistsException raced) { // another thread opened it first
                        fs = FileSystems.getFileSystem(uri);
                    }
                }
                return load(fs.provider().getPath(uri).getParent());
            }
            return load(Path.of(uri).getParent());
        } catch (URISyntaxException | IOException e) {
            throw new CatalogException("cannot open the built-in catalog at " + url, e);
        }
    }

    /** Loads {@code dir/languages.json} and the runner scripts {@code dir/runners/<id>}. */
    public static LanguageCatalog load(Path dir) {
        Path json = dir.resolve("languages.json");
        Path runners = dir.resolve("runners");
        JsonNode root;
        try (InputStream in = Files.newInputStream(json)) {
            if (Files.size(json) > MAX_CATALOG_BYTES) {
                throw new CatalogException(json + " is larger than " + MAX_CATALOG_BYTES + " bytes");
            }
            root = JSON.readTree(in);
        } catch (IOException e) {
            throw new CatalogException("cannot read " + json + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new CatalogException(json + ": expected a JSON object of id -> language");

        Set<String> runnerFiles = new TreeSet<>();
        try (Stream<Path> s = Files.list(runners)) {
            s.filter(p -> !p.getFileName().toString().equals(LIB))
                    .forEach(p -> runnerFiles.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new CatalogException("cannot list runners in " + runners + ": " + e.getMessage(), e);
        }

        Map<String, Language> out = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String id = e.getKey();
            if (!id.matches("[A-Za-z0-9_]+")) { // ATO has one capital: extended_brainfuck_type_I
                problems.add("language id '" + id + "' is not [A-Za-z0-9_]+");
                continue;
            }
            if (!runnerFiles.remove(id)) {
                problems.add("language '" + id + "' has no runner (" + runners.resolve(id) + ")");
                continue;
            }
            try {
                out.put(id, parse(id, e.getValue(), readRunner(runners.resolve(id))));
            } catch (CatalogException | IOException ex) {
                problems.add("language '" + id + "': " + ex.getMessage());
            }
        }
        for (String orphan : runnerFiles) {
            problems.add("runner '" + orphan + "' has no catalog entry in " + json);
        }
        if (!problems.isEmpty()) throw new CatalogException("bad language catalog: " + String.join("; ", problems));
        return new LanguageCatalog(out);
    }

    private static byte[] readRunner(Path file) throws IOException {
        byte[] runner = readCapped(file);
        String text = new String(runner, StandardCharsets.UTF_8);
        if (!text.contains(INCLUDE)) return runner;
        // A line "#ato:include NAME" stands for the file runners/lib/NAME, whole: several runners share one
        // interpreter (the brainfuck family's translator, say) without copies of it.
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.startsWith(INCLUDE)) {
                String name = line.substring(INCLUDE.length()).strip();
                if (!name.matches("[a-z0-9_]+(\\.[a-z0-9]+)?")) {
                    throw new CatalogException("runner " + file + " includes '" + name + "', not a plain file name");
                }
                Path lib = file.resolveSibling(LIB).resolve(name);
                if (!Files.isRegularFile(lib, LinkOption.NOFOLLOW_LINKS)) {
                    throw new CatalogException("runner " + file + " includes " + lib + ", which is missing");
                }
                String body = new String(readCapped(lib), StandardCharsets.UTF_8);
                out.append(body.endsWith("\n") ? body.substring(0, body.length() - 1) : body);
            } else {
                out.append(line);
            }
            out.append('\n');
        }
        out.setLength(out.length() - 1);
        byte[] b = out.toString().getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_RUNNER_BYTES) {
            throw new CatalogException("runner " + file + " with its includes is larger than " + MAX_RUNNER_BYTES + " bytes");
        }
        return b;
    }

    private static byte[] readCapped(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes((int) MAX_RUNNER_BYTES + 1);
            if (b.length > MAX_RUNNER_BYTES) {
                throw new CatalogException("runner " + file + " is larger than " + MAX_RUNNER_BYTES + " bytes");
            }
            return b;
        }
    }

    private static Language parse(String id, JsonNode n, byte[] runner) {
        if (!n.isObject()) throw new CatalogException("entry is not an object");
        JsonNode hw = n.get("hello_world");
        if (hw == null || !hw.isObject()) throw new CatalogException("missing hello_world {code, output}");
        List<String> requires = strings(n, "requires");
        for (String r : requires) {
            if (r.isEmpty() || r.indexOf('\0') >= 0 || (!r.startsWith("/") && r.contains("/"))) {
                throw new CatalogException("requires entry '" + r + "' is neither an absolute path nor a command name");
            }
        }
        List<String> hostPaths = strings(n, "host_paths");
        for (String p : hostPaths) {
            if (!p.startsWith("/") || p.contains("..") || p.indexOf('\0') >= 0) {
                throw new CatalogException("host_paths entry '" + p + "' is not an absolute path without '..'");
            }
        }
        return new Language(id, text(n, "name"), text(n, "image"), text(n, "version"), text(n, "url"),
                n.path("sbcs").asBoolean(false), n.path("ato").asBoolean(false), n.has("se_class") ? text(n, "se_class") : "",
                new Language.HelloWorld(text(hw, "code"), hw.has("input") ? text(hw, "input") : "",
                        strings(hw, "options"), strings(hw, "arguments"), text(hw, "output")),
                requires, strings(n, "packages"), hostPaths, runner);
    }

    private static List<String> strings(JsonNode n, String field) {
        List<String> out = new ArrayList<>();
        JsonNode arr = n.get(field);
        if (arr == null) return out;
        if (!arr.isArray()) throw new CatalogException(field + " must be an array of strings");
        for (JsonNode v : arr) {
            if (!v.isTextual()) throw new CatalogException(field + " must be an array of strings, found " + v);
            out.add(v.asText());
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) throw new CatalogException("missing string field '" + field + "'");
        return v.asText();
    }

    /** The language with this id. */
    public Optional<Language> find(String id) {
        return Optional.ofNullable(languages.get(id));
    }

    /** Every language, in catalog order. */
    public Collection<Language> all() {
        return languages.values();
    }

    /** Every id, in catalog order. */
    public Set<String> ids() {
        return languages.keySet();
    }
}
