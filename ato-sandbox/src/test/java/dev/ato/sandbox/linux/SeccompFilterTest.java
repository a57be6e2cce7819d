package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The filter as data: numbers that match the kernel's table, and a well-formed program. */
class SeccompFilterTest {
    @Test
    void refusedSyscallNumbersMatchTheKernelHeaders() throws Exception {
        Path header = Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
        assertThat(header).as("linux-libc-dev (comes with libc6-dev, see setup/packages/build.txt)").exists();
        String text = Files.readString(header);
        for (Map.Entry<String, Integer> e : SeccompFilter.REFUSED.entrySet()) {
            assertThat(text).as(e.getKey()).containsPattern("#define __NR_" + e.getKey() + " " + e.getValue() + "\\b");
        }
        assertThat(text).containsPattern("#define __NR_clone " + SeccompFilter.SYS_CLONE + "\\b");
        assertThat(text).containsPattern("#define __NR_clone3 " + SeccompFilter.SYS_CLONE3 + "\\b");
        assertThat(text).containsPattern("#define __NR_socket " + SeccompFilter.SYS_SOCKET + "\\b");
        assertThat(text).containsPattern("#define __NR_socketpair " + SeccompFilter.SYS_SOCKETPAIR + "\\b");
    }

    @Test
    void theProgramChecksTheArchitectureFirstAndEveryJumpStaysInside() {
        byte[] prog = SeccompFilter.program();
        assertThat(prog.length % 8).isZero();
        ByteBuffer b = ByteBuffer.wrap(prog).order(ByteOrder.LITTLE_ENDIAN);
        int n = prog.length / 8;
        assertThat(n).isLessThan(4096);
        assertThat(b.getShort(0)).isEqualTo((short) 0x20); // load
        assertThat(b.getInt(4)).isEqualTo(4);              // seccomp_data.arch
        assertThat(b.getInt(12)).isEqualTo(SeccompFilter.AUDIT_ARCH_X86_64);
        for (int i = 0; i < n; i++) {
            short code = b.getShort(8 * i);
            if ((code & 0x07) == 0x05) { // BPF_JMP
                int jt = b.get(8 * i + 2) & 0xff;
                int jf = b.get(8 * i + 3) & 0xff;
                assertThat(i + 1 + Math.max(jt, jf)).as("jump at " + i).isLessThan(n);
            }
        }
        assertThat(b.getShort(8 * (n - 1))).as("ends with a return").isEqualTo((short) 0x06);
    }
}
