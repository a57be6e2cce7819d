package dev.ato.rootfs.store;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Protects layers that an operation is putting together (extracted and published, not yet named by an
 * image record) from {@code gc} in any process. A pin is a file {@code pins/PID-UUID} listing diff_id hexes,
 * written under the store lock before the operation looks for or extracts a layer; {@link GarbageCollector}
 * reads every pin under the same lock and keeps what they list. A pin whose process is gone (killed
 * mid-pull) is stale and removed by the next gc, so nothing is protected forever.
 */
public final class LayerPins {
    private final StoreLayout layout;
    private final StoreLocks locks;

    LayerPins(StoreLayout layout, StoreLocks locks) {
        this.layout = layout;
        this.locks = locks;
    }

    /** Pins these layers until the pin is closed. */
    public Pin pin(Collection<String> hexes) {
        Pin p = new Pin(layout.pins().resolve(ProcessHandle.current().pid() + "-" + UUID.randomUUID()));
        p.add(hexes);
        return p;
    }

    /** Layers pinned by running processes (this one included); removes pins of processes that are gone. Call under the store lock. */
    Set<String> pinned() throws IOException {
        Set<String> out = new HashSet<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.pins())) {
            for (Path p : ds) {
                if (!StoreLayout.ownerAlive(p)) {
                    Files.deleteIfExists(p);
                    continue;
                }
                try {
                    for (String line : Files.readAllLines(p, StandardCharsets.US_ASCII)) {
                        if (!line.isBlank()) out.add(line.trim());
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // Released while we listed.
                }
            }
        }
        return out;
    }

    /** One operation's pin; closing it (once the image is recorded, or has failed) releases the layers. */
    public final class Pin implements AutoCloseable {
        private final Path file;
        private final Set<String> hexes = new LinkedHashSet<>();
        private boolean closed;

        private Pin(Path file) {
            this.file = file;
        }

        /** Adds layers to the pin (written before this returns, under the store lock). */
        public synchronized void add(Collection<String> more) {
            if (closed) throw new IllegalStateException("pin released");
            if (!hexes.addAll(more)) return;
            try {
                locks.withStore(() -> Files.write(file, List.copyOf(hexes), StandardCharsets.US_ASCII));
            } catch (IOException e) {
                throw new ImageException(Kind.IO, "pin layers in " + file + ": " + e, e);
            }
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // A pin of a finished operation only delays gc; the next gc after this process ends removes it.
            }
        }
    }
}
