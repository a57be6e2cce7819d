package dev.ato.rootfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * How to build an image from Debian packages with {@code mmdebstrap}; read from a YAML file under
 * {@code setup/images/}:
 * <pre>
 * name: debian-python        # the image is stored as localhost/ato/NAME:SUITE
 * suite: bookworm
 * variant: apt               # mmdebstrap variant (essential, apt, minbase, required, important, standard)
 * components: [main]
 * mirror: http://deb.debian.org/debian   # optional
 * packages: [python3]
 * env: [LANG=C.UTF-8]        # optional, added to the image config
 * </pre>
 *
 * @param name       image name (lower-case repository component)
 * @param suite      Debian suite or codename
 * @param variant    mmdebstrap variant
 * @param components archive components
 * @param mirror     mirror URL, or empty for mmdebstrap's default
 * @param packages   extra packages to include
 * @param env        extra {@code NAME=value} entries for the image config
 */
public record Recipe(String name, String suite, String variant, List<String> components, String mirror,
                     List<String> packages, List<String> env) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final Pattern SUITE = Pattern.compile("[a-z][a-z0-9.-]{0,31}");
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?");
    private static final List<String> VARIANTS = List.of("extract", "custom", "essential", "apt", "required", "minbase", "buildd", "important", "debootstrap", "standard");

    /** Validates every field, so nothing odd reaches mmdebstrap's command line. */
    public Recipe {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(mirror, "mirror");
        components = List.copyOf(components);
        packages = List.copyOf(packages);
        env = List.copyOf(env);
        if (!NAME.matcher(name).matches()) throw invalid("name '" + name + "' must be lower-case letters, digits and . _ -");
        if (!SUITE.matcher(suite).matches()) throw invalid("suite '" + suite + "' is not a Debian suite name");
        if (!VARIANTS.contains(variant)) throw invalid("variant '" + variant + "' is not one of " + VARIANTS);
        for (String c : components) if (!c.matches("[a-z][a-z0-9-]*")) throw invalid("bad component '" + c + "'");
        if (!mirror.isEmpty() && !mirror.matches("(https?|file)://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+")) throw invalid("bad mirror URL '" + mirror + "'");
        for (String p : packages) if (!PACKAGE.matcher(p).matches()) throw invalid("bad package name '" + p + "'");
        for (String e : env) if (!e.matches("[A-Za-z_][A-Za-z0-9_]*=.*") || e.contains("\n")) throw invalid("bad env entry '" + e + "' (want NAME=value)");
    }

    private static ImageException invalid(String why) {
        return new ImageException(ImageException.Kind.INVALID_INPUT, "invalid recipe: " + why);
    }

    /** The reference a build of this recipe is stored under: {@code localhost/ato/NAME:SUITE}. */
    public ImageReference reference() {
        return new ImageReference("localhost", "ato/" + name, suite, "");
    }

    /**
     * Reads a recipe file (YAML, at most 64 KiB).
     *
     * @throws ImageException of kind INVALID_INPUT for a malformed recipe, IO when it cannot be read
     */
    public static Recipe load(Path file) {
        String text;
        try {
            if (Files.size(file) > 64 * 1024) throw invalid(file + " is larger than 64 KiB");
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.IO, "read recipe " + file + ": " + e, e);
        }
        try {
            return parse(text);
        } catch (ImageException e) {
            throw new ImageException(e.kind(), file + ": " + e.getMessage(), e);
        }
    }

    /** Parses recipe YAML text. */
    public static Recipe parse(String yamlText) {
        LoaderOptions opts = new LoaderOptions();
        opts.setMaxAliasesForCollections(10);
        opts.setAllowDuplicateKeys(false);
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(opts)).load(yamlText);
        } catch (RuntimeException e) {
            throw invalid("not valid YAML: " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> m)) throw invalid("the document must be a mapping");
        for (Object k : m.keySet()) {
            if (!List.of("name", "suite", "variant", "components", "mirror", "packages", "env").contains(String.valueOf(k))) {
                throw invalid("unknown key '" + k + "'");
            }
        }
        return new Recipe(str(m, "name", null), str(m, "suite", null), str(m, "variant", "apt"),
                list(m, "components", List.of("main")), str(m, "mirror", ""), list(m, "packages", List.of()),
                list(m, "env", List.of()));
    }

    private static String str(Map<?, ?> m, String key, String dflt) {
        Object v = m.get(key);
        if (v == null) {
            if (dflt == null) throw invalid("'" + key + "' is required");
            return dflt;
        }
        if (!(v instanceof String || v instanceof Number)) throw invalid("'" + key + "' must be a string");
        return String.valueOf(v);
    }

    private static List<String> list(Map<?, ?> m, String key, List<String> dflt) {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (!(v instanceof List<?> l)) throw invalid("'" + key + "' must be a list");
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            if (!(o instanceof String || o instanceof Number)) throw invalid("'" + key + "' must list strings");
            out.add(String.valueOf(o));
        }
        return out;
    }
}
