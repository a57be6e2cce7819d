package dev.ato.sandbox.linux;

import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.nio.file.Path;

/** A JVM for {@link JvmDeathTest} to SIGKILL while its run is going: prints "started" once the run's program runs. */
public final class KillMeMain {
    private KillMeMain() { }

    /** Runs until killed. */
    public static void main(String[] args) throws Exception {
        Sandbox sandbox = Sandbox.create(JvmDeathTest.CONFIG);
        sandbox.start(RunSpec.builder().runnerScript("sleep 1000 & (sleep 1000 &); echo started; sleep 1000").build(),
                (stream, chunk) -> {
                    System.out.print(new String(chunk));
                    System.out.flush();
                });
        Thread.sleep(Long.MAX_VALUE);
    }

    static SandboxConfig config(String name, int uid) {
        return SandboxConfig.builder().stateDir(Path.of("/run/" + name)).cgroupName(name).idBase(uid, uid)
                .clientLimits(4L << 30, 1024).build();
    }
}
