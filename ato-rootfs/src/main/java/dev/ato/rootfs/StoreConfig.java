package dev.ato.rootfs;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of an {@link ImageStore}. Start from {@link #defaults()} and change what you need with the
 * {@code with...} methods.
 *
 * @param uidBase            host uid that container root maps to; every owner in a layer is shifted by it
 *                           (the sandbox's {@code SandboxConfig.uidBase})
 * @param gidBase            host gid that container root's group maps to
 * @param idCount            ids the sandbox maps per run; an owner at or above it becomes nobody (65534)
 * @param maxLayerBytes      cap on the uncompressed size of one layer (file contents, holes of sparse files
 *                           included): a decompression bomb stops here
 * @param maxBlobBytes       cap on the size of one downloaded or imported blob
 * @param maxManifestBytes   cap on a manifest, index or config document
 * @param os                 platform picked from multi-platform images
 * @param architecture       platform picked from multi-platform images (e.g. amd64, arm64)
 * @param credentials        registry host -> credentials for basic auth and the token service
 * @param insecureRegistries registry hosts spoken to over plain HTTP (loopback hosts always are)
 * @param attempts           tries per registry request before giving up (at least 1)
 * @param initialBackoff     pause before the second try; doubled for each further try
 * @param requestTimeout     time limit of one HTTP exchange up to its response headers, and the longest a
 *                           blob download may go without receiving a byte
 * @param caps               bytes and entries per image and per store, and the free space kept (see {@link StoreCaps})
 */
public record StoreConfig(
        int uidBase,
        int gidBase,
        int idCount,
        long maxLayerBytes,
        long maxBlobBytes,
        int maxManifestBytes,
        String os,
        String architecture,
        Map<String, RegistryCredentials> credentials,
        Set<String> insecureRegistries,
        int attempts,
        Duration initialBackoff,
        Duration requestTimeout,
        StoreCaps caps) {

    /** Validates and copies. */
    public StoreConfig {
        if (uidBase < 0 || gidBase < 0) throw new IllegalArgumentException("uid/gid base must not be negative");
        if (idCount < 1) throw new IllegalArgumentException("idCount must be positive");
        if (maxLayerBytes < 1 || maxBlobBytes < 1 || maxManifestBytes < 1024) throw new IllegalArgumentException("size caps must be positive (manifests >= 1 KiB)");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        credentials = Map.copyOf(credentials);
        insecureRegistries = Set.copyOf(insecureRegistries);
        if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(caps, "caps");
    }

    /**
     * uid/gid base 100000 with 65536 ids (the sandbox's defaults), 16 GiB per layer, 8 GiB per blob, 4 MiB per
     * manifest, linux/amd64, no credentials, 4 attempts starting at 500 ms, 60 s per request, {@link StoreCaps#defaults()}.
     */
    public static StoreConfig defaults() {
        return new StoreConfig(100000, 100000, 65536, 16L << 30, 8L << 30, 4 << 20, "linux", "amd64",
                Map.of(), Set.of(), 4, Duration.ofMillis(500), Duration.ofSeconds(60), StoreCaps.defaults());
    }

    /** Owners shifted into the id range a sandbox maps (its uid/gid base and id count), so container root owns its files. */
    public StoreConfig forSandbox(dev.ato.sandbox.SandboxConfig sandbox) {
        return withIdMapping(sandbox.uidBase(), sandbox.gidBase(), sandbox.uidCount());
    }

    /** Owners shifted to start at these host ids. */
    public StoreConfig withIdMapping(int newUidBase, int newGidBase, int newIdCount) {
        return new StoreConfig(newUidBase, newGidBase, newIdCount, maxLayerBytes, maxBlobBytes, maxManifestBytes, os, architecture, credentials, insecureRegistries, attempts, initialBackoff, requestTimeout, caps);
    }

    /** Different size caps. */
    public StoreConfig withLimits(long newMaxLayerBytes, long newMaxBlobBytes, int newMaxManifestBytes) {
        return new StoreConfig(uidBase, gidBase, idCount, newMaxLayerBytes, newMaxBlobBytes, newMaxManifestBytes, os, architecture, credentials, insecureRegistries, attempts, initialBackoff, requestTimeout, caps);
    }

    /** A different platform for multi-platform images. */
    public StoreConfig withPlatform(String newOs, String newArchitecture) {
        return new StoreConfig(uidBase, gidBase, idCount, maxLayerBytes, maxBlobBytes, maxManifestBytes, newOs, newArchitecture, credentials, insecureRegistries, attempts, initialBackoff, requestTimeout, caps);
    }

    /** Adds credentials for one registry host (as written in references, e.g. {@code 127.0.0.1:5000}). */
    public StoreConfig withCredentials(String registry, RegistryCredentials creds) {
        var m = new java.util.HashMap<>(credentials);
        m.put(registry, creds);
        return new StoreConfig(uidBase, gidBase, idCount, maxLayerBytes, maxBlobBytes, maxManifestBytes, os, architecture, m, insecureRegistries, attempts, initialBackoff, requestTimeout, caps);
    }

    /** Adds a registry host to speak plain HTTP to. */
    public StoreConfig withInsecureRegistry(String registry) {
        var s = new java.util.HashSet<>(insecureRegistries);
        s.add(registry);
        return new StoreConfig(uidBase, gidBase, idCount, maxLayerBytes, maxBlobBytes, maxManifestBytes, os, architecture, credentials, s, attempts, initialBackoff, requestTimeout, caps);
    }

    /** A different request (and download stall) timeout. */
    public StoreConfig withRequestTimeout(Duration timeout) {
        return new StoreConfig(uidBase, gidBase, idCount, maxLayerBytes, maxBlobBytes, maxManifestBytes, os, architecture, credentials, insecureRegistries, attempts, initialBackoff, timeout, caps);
    }

    /** Different retry behaviour. */
    public StoreConfig withRetries(int newAttempts, Duration newInitialBackoff) {
        return new StoreConfig(uidBase, gidBase, idCount, maxLayerBytes, maxBlobBytes, maxManifestBytes, os, architecture, credentials, insecureRegistries, newAttempts, newInitialBackoff, requestTimeout, caps);
    }

    /** Different caps on image and store size and a different free-space reserve. */
    public StoreConfig withCaps(StoreCaps newCaps) {
        return new StoreConfig(uidBase, gidBase, idCount, maxLayerBytes, maxBlobBytes, maxManifestBytes, os, architecture, credentials, insecureRegistries, attempts, initialBackoff, requestTimeout, newCaps);
    }
}
