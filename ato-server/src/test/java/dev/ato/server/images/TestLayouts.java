package dev.ato.server.images;

import dev.ato.rootfs.Cmd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** OCI layouts for the server's image tests, built by umoci so they come from a tool other than ours. */
public final class TestLayouts {
    private TestLayouts() { }

    /**
     * A one-layer image at {@code work/layout}, tag {@code v1}, holding {@code /greeting} with "hi\n".
     *
     * @param work a scratch directory
     * @return the layout directory
     * @throws IOException when the file cannot be written
     */
    public static Path greeting(Path work) throws IOException {
        Path layout = work.resolve("layout");
        Path file = Files.writeString(work.resolve("greeting"), "hi\n");
        Cmd.run("umoci", "init", "--layout", layout.toString());
        Cmd.run("umoci", "new", "--image", layout + ":v1");
        Cmd.run("umoci", "insert", "--image", layout + ":v1", file.toString(), "/greeting");
        return layout;
    }
}
