/**
 * Images for the sandbox: OCI registries, three import formats, mmdebstrap builds, a content-addressed layer
 * store. The API is {@code dev.ato.rootfs} ({@code ImageStore}, {@code StoreConfig}, {@code StoredImage} ...); the
 * store's parts ({@code registry}, {@code layer}, {@code archive}, {@code build}, {@code store}) are internal.
 * {@code layer} and {@code registry} are exported to ato-cli alone, for its extract benchmark.
 */
@SuppressWarnings("module") // dev.ato.cli is built after this module
module dev.ato.rootfs {
    requires transitive dev.ato.sandbox;
    requires transitive java.net.http;
    requires com.fasterxml.jackson.databind;
    requires com.github.luben.zstd_jni;
    requires com.google.common;
    requires com.sun.jna;
    requires org.apache.commons.compress;
    requires org.yaml.snakeyaml;

    exports dev.ato.rootfs;
    exports dev.ato.rootfs.layer to dev.ato.cli;
    exports dev.ato.rootfs.registry to dev.ato.cli;
}
