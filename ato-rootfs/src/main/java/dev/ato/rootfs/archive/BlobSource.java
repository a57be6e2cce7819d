package dev.ato.rootfs.archive;

import java.io.IOException;
import java.io.InputStream;

/** Opens a blob of a local image (a layout directory or an archive) by digest. */
@FunctionalInterface
interface BlobSource {
    InputStream open(String digest) throws IOException;
}
