package dev.ato.languages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a language can run in an image: every {@code requires} entry must resolve to an executable
 * regular file inside the image's root directories.
 *
 * <p>The roots are searched as an overlay would show them: the first root that has a path component wins.
 * Symbolic links are resolved by hand, relative to the image (an absolute link target means the image's
 * {@code /}, not the host's), so that an image's links cannot make the check look at host files. For the
 * host image the only root is {@code /} and the result is what the container will see.
 */
public final class LanguageReadiness {
    /** The PATH the runners set, in order; a command name is looked up in these directories. */
    public static final List<String> PATH =
            List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

    /** Linux's own limit on symbolic links followed while resolving one path (MAXSYMLINKS, path_resolution(7)). */
    private static final int MAX_SYMLINKS = 40;

    private LanguageReadiness() {
    }

    /**
     * Whether a language is ready, and why not.
     *
     * @param ready  true when every required executable was found
     * @param reason empty when ready; otherwise names what is missing and, where known, what to install
     */
    public record Readiness(boolean ready, String reason) {
        /** Checks that the reason is not null. */
        public Readiness {
            Objects.requireNonNull(reason, "reason");
        }

        /** A ready verdict. */
        public static Readiness yes() {
            return new Readiness(true, "");
        }

        /** A not-ready verdict with its reason. */
        public static Readiness no(String reason) {
            return new Readiness(false, reason);
        }
    }

    /**
     * Checks that each of {@code language.requires()} is an executable file in the image made of
     * {@code rootDirs} (topmost first; {@code [Path.of("/")]} for the host image).
     */
    public static Readiness check(Language language, List<Path> rootDirs) {
        return check(language, rootDirs, PATH);
    }

    /**
     * As {@link #check(Language, List)}, looking command names up in {@code pathDirs} (absolute directories
     * inside the image, in order: an OCI image's own {@code PATH}) instead of {@link #PATH}.
     */
    public static Readiness check(Language language, List<Path> rootDirs, List<String> pathDirs) {
        Objects.requireNonNull(language, "language");
        List<String> path = List.copyOf(pathDirs);
        List<Path> roots = List.copyOf(rootDirs);
        if (roots.isEmpty()) {
            return Readiness.no(language.id() + ": image '" + language.image() + "' has no root directories");
        }
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                return Readiness.no(language.id() + ": image root " + root + " is not a directory (image '"
                        + language.image() + "' not present)");
            }
        }
        List<String> missing = new ArrayList<>();
        if (language.onHostImage()) {
            for (String hp : language.hostPaths()) {
                if (resolve(hp, roots).isEmpty()) missing.add("host path " + hp + " not found");
            }
        }
        for (String req : language.requires()) {
            Optional<String> problem = findExecutable(req, roots, path);
            problem.ifPresent(missing::add);
        }
        if (missing.isEmpty()) return Readiness.yes();
        StringBuilder reason = new StringBuilder(language.id()).append(": ").append(String.join("; ", missing));
        if (!language.packages().isEmpty() && language.onHostImage()) {
            reason.append(" (install the Debian package").append(language.packages().size() > 1 ? "s " : " ")
                    .append(String.join(" ", language.packages())).append(')');
        }
        return Readiness.no(reason.toString());
    }

    /** Empty when found; otherwise what is wrong with this requirement. */
    private static Optional<String> findExecutable(String req, List<Path> roots, List<String> path) {
        if (req.startsWith("/")) {
            return switch (probe(req, roots)) {
                case EXECUTABLE -> Optional.empty();
                case NOT_EXECUTABLE -> Optional.of(req + " is not an executable file");
                case MISSING -> Optional.of(req + " not found");
            };
        }
        boolean sawNonExecutable = false;
        for (String dir : path) {
            if (!dir.startsWith("/")) continue; // a relative PATH entry means nothing without a cwd
            Found f = probe(dir + "/" + req, roots);
            if (f == Found.EXECUTABLE) return Optional.empty();
            if (f == Found.NOT_EXECUTABLE) sawNonExecutable = true;
        }
        return Optional.of("'" + req + "' " + (sawNonExecutable ? "is not executable" : "not found")
                + " on PATH " + String.join(":", path));
    }

    private enum Found { EXECUTABLE, NOT_EXECUTABLE, MISSING }

    private static Found probe(String absolute, List<Path> roots) {
        Optional<Path> file = resolve(absolute, roots);
        if (file.isEmpty()) return Found.MISSING;
        try {
            PosixFileAttributes a = Files.readAttributes(file.get(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) return Found.NOT_EXECUTABLE;
            Set<PosixFilePermission> p = a.permissions();
            boolean x = p.contains(PosixFilePermission.OWNER_EXECUTE) || p.contains(PosixFilePermission.GROUP_EXECUTE)
                    || p.contains(PosixFilePermission.OTHERS_EXECUTE);
            return x ? Found.EXECUTABLE : Found.NOT_EXECUTABLE;
        } catch (IOException e) {
            return Found.MISSING;
        }
    }

    /**
     * Resolves an absolute path inside the union of {@code roots} (topmost first), following symbolic links
     * relative to the image, as overlayfs would show it: a directory merges with the same directory in lower
     * roots, anything else hides them. Returns the host path of the final, non-link file, or empty when a
     * component is missing, a link loop is found, or a component is not a directory. {@code ..} stops at the
     * image's root, as the kernel does at {@code /}. Only {@code NOFOLLOW} look-ups touch the host: every
     * prefix used to build a host path is known to be a real directory in that root.
     */
    static Optional<Path> resolve(String absolute, List<Path> roots) {
        List<String> todo = components(absolute);
        int links = 0;
        restart:
        while (true) {
            List<String> done = new ArrayList<>();
            List<Path> live = roots;
            Path last = null;
            for (int i = 0; i < todo.size(); i++) {
                String c = todo.get(i);
                List<String> rest = todo.subList(i + 1, todo.size());
                if (c.equals(".")) continue;
                if (c.equals("..")) {
                    // The roots where the shorter prefix is a directory must be found again: start over.
                    List<String> next = new ArrayList<>(done.isEmpty() ? done : done.subList(0, done.size() - 1));
                    next.addAll(rest);
                    todo = next;
                    continue restart;
                }
                String rel = done.isEmpty() ? c : String.join("/", done) + "/" + c;
                Path hit = null;
                for (Path root : live) {
                    Path candidate = root.resolve(rel);
                    if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                        hit = candidate;
                        break;
                    }
                }
                if (hit == null) return Optional.empty();
                if (Files.isSymbolicLink(hit)) {
                    if (++links > MAX_SYMLINKS) return Optional.empty();
                    String target;
                    try {
                        target = Files.readSymbolicLink(hit).toString();
                    } catch (IOException e) {
                        return Optional.empty();
                    }
                    List<String> next = new ArrayList<>(target.startsWith("/") ? List.of() : done);
                    next.addAll(components(target));
                    next.addAll(rest);
                    todo = next;
                    continue restart;
                }
                if (!rest.isEmpty()) {
                    if (!Files.isDirectory(hit, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
                    List<Path> merged = new ArrayList<>();
                    for (Path root : live) {
                        if (Files.isDirectory(root.resolve(rel), LinkOption.NOFOLLOW_LINKS)) merged.add(root);
                    }
                    // An upper directory hides a lower non-directory of the same name, but merges with
                    // lower directories; roots above the hit have nothing there at all.
                    live = merged;
                }
                done.add(c);
                last = hit;
            }
            return Optional.ofNullable(last);
        }
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) out.add(s);
        }
        return out;
    }
}
