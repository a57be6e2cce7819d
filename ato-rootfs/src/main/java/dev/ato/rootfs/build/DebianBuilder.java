package dev.ato.rootfs.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.Recipe;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.registry.Digests;
import dev.ato.rootfs.store.ImageSession;
import dev.ato.rootfs.store.Manifests.ImageConfig;
import dev.ato.rootfs.store.StoreParts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds an image from Debian packages: runs {@link Mmdebstrap} for a recipe into a tarball in the store's
 * {@code tmp/} (needs the Debian mirror), extracts it as a one-layer image, synthesises its config (Env with
 * the sandbox's PATH and the recipe's variables, Cmd {@code /bin/bash}) and records it as
 * {@link Recipe#reference()}.
 */
public final class DebianBuilder {
    private final StoreParts store;
    private final ObjectMapper json = new ObjectMapper();

    /** A builder writing into {@code store}. */
    public DebianBuilder(StoreParts store) {
        this.store = store;
    }

    /** Builds and stores the recipe's image. */
    public StoredImage build(Recipe recipe, ProgressListener progress) {
        Path work = store.layout().newTmpDir("build");
        try (ImageSession s = store.begin(recipe.reference().familiar())) {
            Path tarball = work.resolve("rootfs.tar");
            Mmdebstrap.run(recipe, tarball, progress);
            String diffId = s.layerFromTarball(tarball, progress);
            List<String> env = new ArrayList<>();
            env.add("PATH=" + dev.ato.sandbox.Image.DEFAULT_PATH);
            env.addAll(recipe.env());
            ImageConfig ic = new ImageConfig(List.of(diffId), env, "/", List.of(), List.of("/bin/bash"));
            ObjectNode cfg = json.createObjectNode();
            cfg.put("architecture", store.config().architecture()).put("os", store.config().os());
            ObjectNode c = cfg.putObject("config");
            ArrayNode envNode = c.putArray("Env");
            env.forEach(envNode::add);
            c.putArray("Cmd").add("/bin/bash");
            cfg.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(diffId);
            String cfgDigest = Digests.sha256(json.writeValueAsBytes(cfg));
            String manifestDigest = Digests.sha256(json.writeValueAsBytes(json.createObjectNode().put("config", cfgDigest).put("layer", diffId)));
            StoredImage img = s.record(recipe.reference(), manifestDigest, cfgDigest, ic, "mmdebstrap");
            s.commit();
            return img;
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "build " + recipe.name() + ": " + e, e);
        } finally {
            try {
                dev.ato.rootfs.layer.FileOps.deleteTree(work);
            } catch (IOException ignored) {
                // Swept with tmp/ at the next open.
            }
        }
    }
}
