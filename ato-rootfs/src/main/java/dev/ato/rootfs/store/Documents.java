package dev.ato.rootfs.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.store.Manifests.ImageConfig;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/** Reading the small JSON documents of an image (manifests, indexes, configs) with their size caps. */
public final class Documents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Documents() { }

    /** Parses a JSON object, or refuses the content naming {@code what}. */
    public static JsonNode object(byte[] bytes, String what) {
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || !n.isObject()) throw new ImageException(Kind.REJECTED_CONTENT, what + " is not a JSON object");
            return n;
        } catch (IOException e) {
            throw new ImageException(Kind.REJECTED_CONTENT, what + " is not valid JSON", e);
        }
    }

    /** Reads a whole stream of at most {@code cap} bytes, and closes it. */
    public static byte[] readCapped(InputStream in, int cap, String what) throws IOException {
        try (in) {
            byte[] b = in.readNBytes(cap + 1);
            if (b.length > cap) throw new ImageException(Kind.REJECTED_CONTENT, what + " is larger than the cap of " + cap + " bytes");
            return b;
        }
    }

    /** Refuses a config whose diff_ids do not match the manifest's layers one to one, or an image without layers. */
    public static void checkLayerCount(ImageConfig ic, int layers, String what) {
        if (ic.diffIds().size() != layers) {
            throw new ImageException(Kind.REJECTED_CONTENT, what + ": the config lists " + ic.diffIds().size() + " diff_ids for " + layers + " layers");
        }
        if (layers == 0) throw new ImageException(Kind.REJECTED_CONTENT, what + " has no layers");
    }

    /** The first 12 hex digits of a digest: a layer's id in progress lines and messages. */
    public static String shortId(String digest) {
        return digest.substring("sha256:".length(), "sha256:".length() + 12);
    }

    /** {@code localhost/NAME} from a file or directory name (an archive's or a layout's), for images it does not name. */
    public static String defaultName(java.nio.file.Path p) {
        String n = p.getFileName() == null ? "image" : p.getFileName().toString().toLowerCase(Locale.ROOT);
        n = n.replaceAll("\\.(tar|tgz|tar\\.gz|tar\\.zst)$", "").replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return "localhost/" + (n.isEmpty() ? "image" : n);
    }
}
