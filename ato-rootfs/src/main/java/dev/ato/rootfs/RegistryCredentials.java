package dev.ato.rootfs;

import java.util.Objects;

/**
 * A user name and password (or token) for one registry. Used for HTTP basic auth and, on registries that
 * use the bearer-token flow, for the request to the token service.
 *
 * @param username user name
 * @param password password or access token
 */
public record RegistryCredentials(String username, String password) {
    /** Validates. */
    public RegistryCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        if (username.isEmpty() || username.contains(":")) throw new IllegalArgumentException("user name must be non-empty and free of ':'");
    }

    /** Hides the password. */
    @Override
    public String toString() {
        return "RegistryCredentials[" + username + ", ***]";
    }
}
