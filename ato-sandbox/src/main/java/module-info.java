/**
 * Runs untrusted programs in throwaway Linux containers from the JVM. Only {@code dev.ato.sandbox} is the
 * API; the namespaces, mounts, cgroups and the native init stay in {@code linux} and {@code cgroup}, the one
 * libc binding and errno table both use in {@code sys}. The benchmark ({@code ./ato bench}) is ato-cli's and
 * uses this API only.
 */
module dev.ato.sandbox {
    requires com.sun.jna;

    exports dev.ato.sandbox;
}
