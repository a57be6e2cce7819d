package dev.ato.sandbox;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.ExecutionException;

/**
 * Runs untrusted programs in throwaway Linux containers: new user, mount, PID, network, IPC, UTS and cgroup
 * namespaces, an overlay root, a cgroup with limits, seccomp, no capabilities.
 *
 * <p>Thread-safe: many runs may be in flight at once. Close it to kill every run still going.
 */
public interface Sandbox extends AutoCloseable {

    /**
     * Probes the host and makes a sandbox, sweeping cgroups and state left behind by an earlier process.
     *
     * @throws SandboxException naming what the host lacks (not root, no overlayfs, no cgroup controller ...)
     */
    static Sandbox create(SandboxConfig config) {
        return dev.ato.sandbox.linux.LinuxSandbox.create(config);
    }

    /** The settings this sandbox was made with. */
    SandboxConfig config();

    /** Starts a run; output goes to the listener as it is written. */
    Run start(RunSpec spec, OutputListener listener);

    /** Runs to the end and returns the result with the whole output. */
    default CompletedRun run(RunSpec spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Run run = start(spec, (stream, chunk) -> {
            ByteArrayOutputStream target = stream == OutputStreamKind.STDOUT ? out : err;
            synchronized (target) {
                target.writeBytes(chunk);
            }
        });
        RunResult result;
        try {
            result = run.result().get();
        } catch (InterruptedException e) {
            run.kill();
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while waiting for run " + run.id(), e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof SandboxException se) throw se;
            throw new SandboxException("run " + run.id() + " failed: " + c, c);
        }
        synchronized (out) {
            synchronized (err) {
                return new CompletedRun(result, out.toByteArray(), err.toByteArray());
            }
        }
    }

    /**
     * Kills every run still going, waits (up to 30 s) for their cleanup, and removes what the sandbox made on
     * the host: its files in the state directory (and the directory, when nothing else is in it) unless
     * another live sandbox shares that directory, and its cgroup directories unless another live sandbox
     * (in any process) uses the same cgroup name.
     */
    @Override
    void close();
}
