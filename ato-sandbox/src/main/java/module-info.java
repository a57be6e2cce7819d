/**
 * Runs untrusted programs in throwaway Linux containers from the JVM. Only {@code dev.ato.sandbox} is the
 * API; the namespaces, mounts, cgroups and the native init stay in {@code linux} and {@code cgroup}. The one
 * libc binding of the project and its operations are {@code nativeaccess}, shared by a qualified export
 * with the image store (ato-rootfs: layer extraction needs the same calls with the same errors) and the
 * server (sd_notify, the doctor's checks), which already depend on this module. The benchmark ({@code ./ato bench}) is ato-cli's and uses this API only.
 */
// "module": the modules exported to are compiled after this one, so javac cannot see them yet (module not found).
@SuppressWarnings("module")
module dev.ato.sandbox {
    requires com.sun.jna;

    exports dev.ato.sandbox;
    exports dev.ato.sandbox.nativeaccess to dev.ato.rootfs, dev.ato.server;
}
