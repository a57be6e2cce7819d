package dev.ato.testkit;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A sandbox or server the testkit made, kept in a JUnit extension store: closed once when JUnit closes the
 * store, then what it left of its directory and cgroups is removed. {@code CloseableResource} as well as
 * {@code AutoCloseable}: JUnit before 5.13 (this build resolves 5.12) closes only the former, later versions the
 * latter; the flag makes it happen once either way.
 *
 * @param <T> the resource
 */
@SuppressWarnings("deprecation")
final class OwnedResource<T extends AutoCloseable> implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private final T resource;
    private final Path dir;
    private final String cgroupName;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param resource   what the tests use
     * @param dir        the directory made for it, removed after it is closed
     * @param cgroupName its cgroup name, whose directories are removed after it is closed
     */
    OwnedResource(T resource, Path dir, String cgroupName) {
        this.resource = resource;
        this.dir = dir;
        this.cgroupName = cgroupName;
    }

    /** The resource. */
    T get() {
        return resource;
    }

    @Override
    public void close() throws Exception {
        if (!closed.compareAndSet(false, true)) return;
        try {
            resource.close();
        } finally {
            Leftovers.deleteStateDir(dir);
            Leftovers.deleteCgroups(cgroupName);
        }
    }
}
