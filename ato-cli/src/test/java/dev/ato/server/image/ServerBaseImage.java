package dev.ato.server.image;

import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.Recipe;
import dev.ato.rootfs.build.Mmdebstrap;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Builds the base of the server's OCI image from the project's own recipe ({@code setup/images/ato-server-base.yaml})
 * with the project's mmdebstrap runner, and writes it as a {@code docker save} archive (one layer), which Jib's
 * {@code tar://} base reads. Run by the Maven profile {@code image} before Jib; skipped while the archive is newer
 * than the recipe.
 *
 * <p>{@code ServerBaseImage RECIPE OUT.tar}
 */
public final class ServerBaseImage {
    private ServerBaseImage() { }

    public static void main(String[] args) throws Exception {
        Path recipeFile = Path.of(args[0]);
        Path out = Path.of(args[1]);
        if (Files.exists(out) && Files.getLastModifiedTime(out).compareTo(Files.getLastModifiedTime(recipeFile)) > 0) {
            System.out.println("image base: " + out + " is up to date");
            return;
        }
        Recipe recipe = Recipe.load(recipeFile);
        Path work = Files.createDirectories(out.resolveSibling("base-work"));
        Path rootfs = work.resolve("layer.tar");
        Files.deleteIfExists(rootfs);
        long t0 = System.nanoTime();
        Mmdebstrap.run(recipe, rootfs, new ProgressListener() {
            @Override
            public void message(String line) {
                System.out.println("image base: " + line);
            }
        });
        String diffId = "sha256:" + sha256(rootfs);
        String env = String.join(",", recipe.env().stream().map(ServerBaseImage::json).toList());
        String config = """
                {"architecture":"amd64","os":"linux","config":{"Env":[%s]},\
                "rootfs":{"type":"layers","diff_ids":["%s"]}}""".formatted(env, diffId);
        Files.writeString(work.resolve("config.json"), config);
        Files.writeString(work.resolve("manifest.json"), """
                [{"Config":"config.json","RepoTags":["%s"],"Layers":["layer.tar"]}]""".formatted(recipe.reference()));
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Process tar = new ProcessBuilder("tar", "-C", work.toString(), "-cf", tmp.toString(),
                "manifest.json", "config.json", "layer.tar").inheritIO().start();
        if (tar.waitFor() != 0) throw new IOException("tar failed for " + tmp);
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(rootfs);
        System.out.printf("image base: %s (%s, %d MB) in %.0f s%n", out, recipe.reference(), Files.size(out) >> 20,
                (System.nanoTime() - t0) / 1e9);
    }

    private static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
