/**
 * Images for the sandbox: OCI registries, three import formats, mmdebstrap builds, a content-addressed layer
 * store. The API is {@code dev.ato.rootfs} ({@code ImageStore}, {@code StoreConfig}, {@code StoredImage} ...); the
 * store's parts ({@code registry}, {@code layer}, {@code archive}, {@code build}, {@code store}) are internal.
 * {@code layer} and {@code registry} are exported for ato-cli's extract benchmark, which is not a module yet
 * (a qualified export to a module the build does not know is only a warning, and the build turns warnings
 * into errors); the export goes to ato-cli alone once it has a descriptor.
 */
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
    exports dev.ato.rootfs.layer;
    exports dev.ato.rootfs.registry;
}
