package dev.ato.sandbox.linux;

import dev.ato.sandbox.nativeaccess.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The seccomp filter every run gets, as data: a classic BPF program ({@code struct sock_filter[]},
 * seccomp(2), "Filter programs"), which the native init installs just before it starts the runner.
 *
 * <p>It refuses, with EPERM, what a code runner never needs and what widens the kernel's attack surface:
 * making or entering namespaces (unshare, setns, clone with a CLONE_NEW* flag), mounting (old and new mount
 * API), pivot_root, the key store, bpf, perf_event_open, userfaultfd, kexec, kernel modules, reboot, swap
 * and io_uring. {@code socket} and {@code socketpair} get EAFNOSUPPORT for every address family but
 * {@link #ALLOWED_FAMILIES} (as Docker's default profile does): the network namespace confines IP, Unix and
 * netlink sockets, but not AF_VSOCK (machine-wide, it reaches the hypervisor and the host's vsock ports), nor
 * the many rarely used families whose kernel code is a frequent source of local exploits (AF_ALG, AF_PACKET,
 * AF_TIPC, AF_RDS, AF_CAN, ...). clone3 gets ENOSYS: its flags live in memory a filter cannot read, and ENOSYS makes glibc
 * fall back to clone, whose flags it can. Every syscall that does not enter through the x86_64 table (i386's
 * {@code int 0x80}, the x32 ABI) is refused too, so no second syscall table slips past the numbers below.
 */
final class SeccompFilter {
    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int X32_SYSCALL_BIT = 0x40000000;
    static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    static final int SECCOMP_RET_ERRNO = 0x00050000;

    static final int SYS_SOCKET = 41;
    static final int SYS_SOCKETPAIR = 53;
    /** AF_UNIX, AF_INET, AF_INET6, AF_NETLINK (route netlink, which {@code ip addr} needs). */
    static final List<Integer> ALLOWED_FAMILIES = List.of(1, 2, 10, 16);
    static final int SYS_CLONE = 56;
    static final int SYS_CLONE3 = 435;
    /** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. */
    static final int CLONE_NAMESPACE_FLAGS = 0x7E020000;

    /** x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl) of the refused calls. */
    static final Map<String, Integer> REFUSED = refused();

    private static final short LD_W_ABS = 0x20;
    private static final short JMP_JEQ_K = 0x15;
    private static final short JMP_JGE_K = 0x35;
    private static final short JMP_JSET_K = 0x45;
    private static final short RET_K = 0x06;
    /** struct seccomp_data: nr at 0, arch at 4, args[0] at 16 (its low 32 bits on little-endian). */
    private static final int OFF_NR = 0;
    private static final int OFF_ARCH = 4;
    private static final int OFF_ARG0 = 16;

    private SeccompFilter() { }

    private static Map<String, Integer> refused() {
        Map<String, Integer> m = new TreeMap<>();
        m.put("pivot_root", 155);
        m.put("mount", 165);
        m.put("umount2", 166);
        m.put("swapon", 167);
        m.put("swapoff", 168);
        m.put("reboot", 169);
        m.put("init_module", 175);
        m.put("delete_module", 176);
        m.put("kexec_load", 246);
        m.put("add_key", 248);
        m.put("request_key", 249);
        m.put("keyctl", 250);
        m.put("unshare", 272);
        m.put("perf_event_open", 298);
        m.put("setns", 308);
        m.put("finit_module", 313);
        m.put("kexec_file_load", 320);
        m.put("bpf", 321);
        m.put("userfaultfd", 323);
        // io_uring: a large, young attack surface (Docker's and ChromeOS's policies refuse it too); runtimes
        // that try it (libuv) fall back to ordinary system calls when it fails.
        m.put("io_uring_setup", 425);
        m.put("io_uring_enter", 426);
        m.put("io_uring_register", 427);
        m.put("open_tree", 428);
        m.put("move_mount", 429);
        m.put("fsopen", 430);
        m.put("fsconfig", 431);
        m.put("fsmount", 432);
        m.put("fspick", 433);
        m.put("mount_setattr", 442);
        return Map.copyOf(m);
    }

    private record Insn(short code, int jt, int jf, int k) { }

    /** The program as the kernel wants it: 8 bytes per instruction, little-endian. */
    static byte[] program() {
        List<Insn> p = new ArrayList<>();
        // Labels are resolved after layout: jt/jf below hold negative label ids until then. Classic BPF only
        // jumps forward, so the return instructions come last.
        final int deny = -1;
        final int enosys = -2;
        final int allow = -3;
        final int family = -4;
        final int eafnosupport = -5;
        p.add(new Insn(LD_W_ABS, 0, 0, OFF_ARCH));
        p.add(new Insn(JMP_JEQ_K, 0, deny, AUDIT_ARCH_X86_64));
        p.add(new Insn(LD_W_ABS, 0, 0, OFF_NR));
        p.add(new Insn(JMP_JGE_K, deny, 0, X32_SYSCALL_BIT));
        for (int nr : new java.util.TreeSet<>(REFUSED.values())) {
            p.add(new Insn(JMP_JEQ_K, deny, 0, nr));
        }
        p.add(new Insn(JMP_JEQ_K, enosys, 0, SYS_CLONE3));
        p.add(new Insn(JMP_JEQ_K, family, 0, SYS_SOCKET));
        p.add(new Insn(JMP_JEQ_K, family, 0, SYS_SOCKETPAIR));
        p.add(new Insn(JMP_JEQ_K, 0, allow, SYS_CLONE));
        p.add(new Insn(LD_W_ABS, 0, 0, OFF_ARG0));
        p.add(new Insn(JMP_JSET_K, deny, allow, CLONE_NAMESPACE_FLAGS));
        // The family is an int: the kernel ignores the upper half of the register, and so do we.
        int familyAt = p.size();
        p.add(new Insn(LD_W_ABS, 0, 0, OFF_ARG0));
        for (int i = 0; i < ALLOWED_FAMILIES.size(); i++) {
            boolean last = i == ALLOWED_FAMILIES.size() - 1;
            p.add(new Insn(JMP_JEQ_K, allow, last ? eafnosupport : 0, ALLOWED_FAMILIES.get(i)));
        }
        int allowAt = p.size();
        p.add(new Insn(RET_K, 0, 0, SECCOMP_RET_ALLOW));
        int denyAt = p.size();
        p.add(new Insn(RET_K, 0, 0, SECCOMP_RET_ERRNO | Errno.EPERM));
        int enosysAt = p.size();
        p.add(new Insn(RET_K, 0, 0, SECCOMP_RET_ERRNO | Errno.ENOSYS));
        int eafnosupportAt = p.size();
        p.add(new Insn(RET_K, 0, 0, SECCOMP_RET_ERRNO | Errno.EAFNOSUPPORT));

        ByteBuffer out = ByteBuffer.allocate(p.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < p.size(); i++) {
            Insn in = p.get(i);
            int[] targets = {in.jt, in.jf};
            for (int t = 0; t < 2; t++) {
                int label = targets[t];
                if (label >= 0) continue;
                int at = switch (label) {
                    case deny -> denyAt;
                    case enosys -> enosysAt;
                    case allow -> allowAt;
                    case family -> familyAt;
                    case eafnosupport -> eafnosupportAt;
                    default -> throw new IllegalStateException("label " + label);
                };
                int rel = at - (i + 1);
                if (rel < 0 || rel > 255) throw new IllegalStateException("seccomp jump out of range at " + i);
                targets[t] = rel;
            }
            out.putShort(in.code).put((byte) targets[0]).put((byte) targets[1]).putInt(in.k);
        }
        return out.array();
    }
}
