package dev.ato.rootfs;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A parsed image reference such as {@code python:3.12-slim}, {@code docker.io/library/alpine:3.20} or
 * {@code host:5000/team/img@sha256:...}, following the distribution project's reference grammar: a first
 * component containing a dot or a colon, or equal to {@code localhost}, is a registry host; otherwise the
 * registry is Docker Hub and single-component names get the {@code library/} prefix. Without tag or digest
 * the tag is {@code latest}. Malformed references are refused at construction.
 *
 * @param registry   registry host, with port if any ({@code docker.io} for Docker Hub)
 * @param repository repository path, e.g. {@code library/python}
 * @param tag        tag, or empty when the reference only has a digest
 * @param digest     {@code sha256:<64 hex>}, or empty
 */
public record ImageReference(String registry, String repository, String tag, String digest) {
    /** Docker Hub's canonical name in references. */
    public static final String DOCKER_HUB = "docker.io";

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    /** Validates every part; use {@link #parse(String)} for strings. */
    public ImageReference {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(digest, "digest");
        if (!HOST.matcher(registry).matches()) throw bad(registry, "bad registry host '" + registry + "'");
        if (repository.isEmpty() || repository.length() > 255) throw bad(repository, "repository name must be 1..255 characters");
        for (String c : repository.split("/", -1)) {
            if (!COMPONENT.matcher(c).matches()) {
                throw bad(repository, "bad repository component '" + c + "' (lower-case letters, digits and . _ - separators)");
            }
        }
        if (!tag.isEmpty() && !TAG.matcher(tag).matches()) throw bad(tag, "bad tag '" + tag + "'");
        if (!digest.isEmpty() && !DIGEST.matcher(digest).matches()) throw bad(digest, "bad digest '" + digest + "' (want sha256:<64 lower-case hex>)");
        if (tag.isEmpty() && digest.isEmpty()) throw bad(repository, "a reference needs a tag or a digest");
    }

    private static ImageException bad(String what, String why) {
        return new ImageException(ImageException.Kind.INVALID_INPUT, "invalid image reference: " + why);
    }

    /**
     * Parses a reference the way {@code docker pull} does.
     *
     * @throws ImageException of kind {@code INVALID_INPUT} when the string is not a valid reference
     */
    public static ImageReference parse(String text) {
        Objects.requireNonNull(text, "reference");
        if (text.isEmpty() || text.length() > 512 || !text.strip().equals(text)) {
            throw new ImageException(ImageException.Kind.INVALID_INPUT, "invalid image reference '" + text + "'");
        }
        String rest = text;
        String digest = "";
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = "";
        int lastSlash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > lastSlash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (tag.isEmpty()) throw new ImageException(ImageException.Kind.INVALID_INPUT, "invalid image reference '" + text + "': empty tag");
        }
        String registry = DOCKER_HUB;
        String repository = rest;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("[")) {
                registry = first;
                repository = rest.substring(slash + 1);
            }
        }
        if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) registry = DOCKER_HUB;
        if (registry.equals(DOCKER_HUB) && !repository.contains("/")) repository = "library/" + repository;
        if (tag.isEmpty() && digest.isEmpty()) tag = "latest";
        try {
            return new ImageReference(registry, repository, tag, digest);
        } catch (ImageException e) {
            throw new ImageException(ImageException.Kind.INVALID_INPUT, e.getMessage() + " in '" + text + "'");
        }
    }

    /** The tag, if the reference has one. */
    public Optional<String> tagIfAny() {
        return tag.isEmpty() ? Optional.empty() : Optional.of(tag);
    }

    /** The digest, if the reference pins one. */
    public Optional<String> digestIfAny() {
        return digest.isEmpty() ? Optional.empty() : Optional.of(digest);
    }

    /** The tag, or else the digest: what to ask the registry's manifest endpoint for. */
    public String manifestReference() {
        return digest.isEmpty() ? tag : digest;
    }

    /** The host the registry API is served from (Docker Hub's API lives on registry-1.docker.io). */
    public String apiHost() {
        return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
    }

    /** This reference with the digest replaced (keeps the tag, for display). */
    public ImageReference withDigest(String newDigest) {
        return new ImageReference(registry, repository, tag, newDigest);
    }

    /** The full, canonical form: {@code docker.io/library/python:3.12-slim}. Images are stored under it. */
    public String canonical() {
        StringBuilder b = new StringBuilder(registry).append('/').append(repository);
        if (!tag.isEmpty()) b.append(':').append(tag);
        if (!digest.isEmpty()) b.append('@').append(digest);
        return b.toString();
    }

    /** The short form docker prints: {@code python:3.12-slim} for Docker Hub's library images. */
    public String familiar() {
        String c = canonical();
        if (c.startsWith(DOCKER_HUB + "/library/")) return c.substring((DOCKER_HUB + "/library/").length());
        if (c.startsWith(DOCKER_HUB + "/")) return c.substring(DOCKER_HUB.length() + 1);
        return c;
    }

    /** Same as {@link #canonical()}. */
    @Override
    public String toString() {
        return canonical();
    }
}
