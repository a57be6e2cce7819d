package dev.ato.sandbox.linux;

import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.nativeaccess.Processes;
import dev.ato.sandbox.nativeaccess.Sys;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Host id ranges for runs: slot k maps container ids 0..uidCount-1 to host ids
 * {@code uidBase + k * uidCount ...}, and every live run has a slot of its own. The kernel keeps several
 * counters and limits per host uid (pipe buffer pages, epoll watches, descriptors in flight over Unix
 * sockets, inotify and process counts through the user's ucounts): with one range for all runs, one run could
 * use them up for every other.
 *
 * <p>Files: images from the store have their owners shifted into slot 0's range when they are extracted
 * (ato-rootfs). Slot 0 uses them as they are; other slots see each layer through an idmapped mount whose
 * user namespace maps slot 0's range onto theirs, so an image's files are owned by the container's own ids in
 * every slot (no copy, no chown; one such namespace per slot, made once). The host image's skeleton (a few
 * directories) is simply made once per slot with that slot's owner. What the JVM writes into a run (the /ATO
 * files, the overlay's upper directory, the tmpfs roots, the output pipes) gets the slot's root.
 */
final class UidSlots implements AutoCloseable {
    /** One slot: the host ids container root maps to. */
    record Slot(int index, int uid, int gid) { }

    private final SandboxConfig config;
    private final HostSetup host;
    private final Semaphore free;
    private final boolean[] busy;
    /** Per slot: the user namespace for idmapping image layers into it (-1 until made; slot 0 needs none). */
    private final int[] usernsFds;

    UidSlots(SandboxConfig config, HostSetup host) {
        this.config = config;
        this.host = host;
        this.free = new Semaphore(config.uidSlots(), true);
        this.busy = new boolean[config.uidSlots()];
        this.usernsFds = new int[config.uidSlots()];
        Arrays.fill(usernsFds, -1);
    }

    /** The lowest free slot, waiting for one when every slot has a live run. */
    Slot acquire() {
        free.acquireUninterruptibly();
        synchronized (this) {
            for (int i = 0; i < busy.length; i++) {
                if (!busy[i]) {
                    busy[i] = true;
                    return new Slot(i, config.uidBase() + i * config.uidCount(), config.gidBase() + i * config.uidCount());
                }
            }
        }
        throw new IllegalStateException("a permit without a free slot");
    }

    /** Frees the slot of a run none of whose processes lives any more. */
    void release(Slot slot) {
        synchronized (this) {
            busy[slot.index()] = false;
        }
        free.release();
    }

    /** The host image's lower layer, owned by the slot's root. */
    Path skeleton(Slot slot) {
        return slot.index() == 0 ? host.skeleton : host.skeletonFor(slot.uid(), slot.gid());
    }

    /** The user namespace that idmaps store layers (owned in slot 0's range) into the slot; -1 for slot 0. */
    synchronized int layerIdmap(Slot slot) {
        if (slot.index() == 0) return -1;
        if (usernsFds[slot.index()] < 0) {
            usernsFds[slot.index()] = userNamespace(host.initPath,
                    config.uidBase() + " " + slot.uid() + " " + config.uidCount() + "\n",
                    config.gidBase() + " " + slot.gid() + " " + config.uidCount() + "\n");
        }
        return usernsFds[slot.index()];
    }

    /** A user namespace with the given maps, made by a short-lived {@code ato-init userns}, as a descriptor. */
    private static int userNamespace(String initPath, String uidMap, String gidMap) {
        int[] in = Sys.pipe();
        int[] out = Sys.pipe();
        int pid = -1;
        try {
            pid = Processes.spawn(initPath, List.of("ato-init", "userns"), List.of(), new int[] {in[0], out[1], out[1]});
            Sys.closeQuietly(out[1]);
            out[1] = -1;
            byte[] b = new byte[256];
            int n = Sys.readOrEnd(out[0], b, b.length);
            if (n != 1 || b[0] != 'U') {
                throw new SandboxException("making a user namespace for idmapped layers: "
                        + (n > 0 ? new String(b, 0, n).strip() : "the helper exited"));
            }
            Sys.writeExisting("/proc/" + pid + "/uid_map", uidMap);
            Sys.writeExisting("/proc/" + pid + "/gid_map", gidMap);
            return Sys.openNamespace("/proc/" + pid + "/ns/user");
        } finally {
            Sys.closeQuietly(in[1]); // EOF: the helper exits
            Sys.closeQuietly(in[0]);
            Sys.closeQuietly(out[0]);
            Sys.closeQuietly(out[1]);
            if (pid > 0) Processes.reap(pid);
        }
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < usernsFds.length; i++) {
            Sys.closeQuietly(usernsFds[i]);
            usernsFds[i] = -1;
        }
    }
}
