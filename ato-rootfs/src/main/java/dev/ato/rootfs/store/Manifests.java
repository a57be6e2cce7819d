package dev.ato.rootfs.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.registry.Digests;
import dev.ato.rootfs.registry.MediaTypes;

import java.util.ArrayList;
import java.util.List;

/** Reading manifests, indexes and image configs (OCI image spec and Docker's schema 2, which match). */
public final class Manifests {
    private Manifests() { }

    /** One blob a manifest points at. */
    public record Descriptor(String mediaType, String digest, long size) { }

    /** What an image manifest says: its config blob and its layers, lowest first. */
    public record ImageManifest(Descriptor config, List<Descriptor> layers) { }

    /** The parts of an image config the store keeps. */
    public record ImageConfig(List<String> diffIds, List<String> env, String workingDir, List<String> entrypoint, List<String> cmd) { }

    /**
     * Whether a manifest is an index (or manifest list): by the media type it came with, or, when that is
     * missing or generic, by its shape (manifests and no layers).
     */
    public static boolean isIndex(String mediaType, JsonNode m) {
        return MediaTypes.isIndex(mediaType) || (m.has("manifests") && !m.has("layers"));
    }

    /** Picks the manifest for os/architecture from an index; a clear error lists what is there otherwise. */
    public static Descriptor selectPlatform(JsonNode index, String os, String arch, String what) {
        List<String> seen = new ArrayList<>();
        Descriptor fallback = null;
        for (JsonNode m : index.path("manifests")) {
            JsonNode p = m.path("platform");
            String mos = p.path("os").asText("");
            String march = p.path("architecture").asText("");
            seen.add(mos + "/" + march + (p.has("variant") ? "/" + p.path("variant").asText() : ""));
            Descriptor d = descriptor(m, what);
            if (mos.equals(os) && march.equals(arch)) {
                // Prefer the plain variant (amd64 has none; arm64 "v8"); the first exact match otherwise.
                if (!p.has("variant") || p.path("variant").asText().equals("v8")) return d;
                if (fallback == null) fallback = d;
            }
        }
        if (fallback != null) return fallback;
        throw new ImageException(Kind.NOT_FOUND, what + " has no image for " + os + "/" + arch + " (it has: " + String.join(", ", seen) + ")");
    }

    /** The manifests listed in an index, for layouts that name several images. */
    public static List<JsonNode> entries(JsonNode index) {
        List<JsonNode> out = new ArrayList<>();
        index.path("manifests").forEach(out::add);
        return out;
    }

    /** Parses an image manifest. */
    public static ImageManifest imageManifest(JsonNode m, String what) {
        if (!m.path("config").isObject() || !m.path("layers").isArray()) {
            throw new ImageException(Kind.REJECTED_CONTENT, what + " is not an image manifest (no config or layers)");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : m.path("layers")) layers.add(descriptor(l, what));
        if (layers.size() > 256) throw new ImageException(Kind.REJECTED_CONTENT, what + " has more than 256 layers");
        return new ImageManifest(descriptor(m.path("config"), what), layers);
    }

    /** Parses a descriptor, refusing malformed digests (they become file names). */
    public static Descriptor descriptor(JsonNode d, String what) {
        String digest = Digests.require(d.path("digest").asText(null), what);
        long size = d.path("size").asLong(-1);
        if (size < 0) throw new ImageException(Kind.REJECTED_CONTENT, what + " has a descriptor without a valid size for " + digest);
        return new Descriptor(d.path("mediaType").asText(""), digest, size);
    }

    /** Parses an image config. */
    public static ImageConfig imageConfig(JsonNode c, String what) {
        List<String> diffIds = new ArrayList<>();
        for (JsonNode d : c.path("rootfs").path("diff_ids")) diffIds.add(Digests.require(d.asText(null), what + " diff_id"));
        JsonNode cfg = c.path("config");
        return new ImageConfig(diffIds, strings(cfg.path("Env")), cfg.path("WorkingDir").asText(""),
                strings(cfg.path("Entrypoint")), strings(cfg.path("Cmd")));
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) n.forEach(x -> out.add(x.asText()));
        return out;
    }
}
