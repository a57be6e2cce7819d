package dev.ato.sandbox.nativeaccess;

import java.nio.charset.StandardCharsets;

/**
 * The calling thread's namespaces at the level of intent: leaving (unshare), joining (setns), and readying a
 * fresh UTS or network namespace. Each succeeds or throws a {@link NativeException}, except where a method
 * says it answers.
 */
public final class Namespaces {
    private Namespaces() { }

    /**
     * Moves the calling thread into the namespace {@code fd} of type {@code nstype}; answers instead of
     * throwing, for a caller that must act differently when it cannot go back.
     *
     * @return 0, or the errno
     */
    public static int trySetns(int fd, int nstype) {
        return LibC.setns(fd, nstype) == 0 ? 0 : LibC.errno();
    }

    /** Moves the calling thread into new namespaces of the {@code CLONE_NEW*} types in {@code flags}. */
    public static void unshare(int flags) {
        if (LibC.unshare(flags) != 0) throw Sys.lastError("unshare", "0x" + Integer.toHexString(flags));
    }

    /** Moves the calling thread into the namespace {@code fd}; {@code name} says which, for the message. */
    public static void setns(int fd, int nstype, String name) {
        if (LibC.setns(fd, nstype) != 0) throw Sys.lastError("setns", name);
    }

    /** Sets the host name of the calling thread's UTS namespace. */
    public static void sethostname(String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        if (LibC.sethostname(b, b.length) != 0) throw Sys.lastError("sethostname", name);
    }

    /**
     * Readies the calling thread's (new, private) network namespace: {@code lo} up, and the two settings that
     * would otherwise need capabilities the container drops, harmless in a namespace of its own: any port
     * may be bound, and anyone may open ICMP echo sockets ({@code ping}). /proc/sys/net shows the network
     * namespace of the task that opens it.
     */
    public static void readyNetwork() {
        loopbackUp();
        Sys.writeExisting("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0\n");
        Sys.writeExisting("/proc/sys/net/ipv4/ping_group_range", "0 2147483647\n");
    }

    /** Brings the loopback device of the calling thread's network namespace up; the kernel adds 127.0.0.1/8. */
    public static void loopbackUp() {
        int s = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (s < 0) throw Sys.lastError("socket", "AF_INET");
        try {
            // struct ifreq: char ifr_name[16], then the union (ifr_flags is a short at offset 16); 40 bytes.
            byte[] ifr = new byte[40];
            ifr[0] = 'l';
            ifr[1] = 'o';
            if (LibC.ioctl(s, LibC.SIOCGIFFLAGS, ifr) != 0) throw Sys.lastError("ioctl", "SIOCGIFFLAGS lo");
            ifr[16] |= LibC.IFF_UP;
            if (LibC.ioctl(s, LibC.SIOCSIFFLAGS, ifr) != 0) throw Sys.lastError("ioctl", "SIOCSIFFLAGS lo");
        } finally {
            LibC.close(s);
        }
    }
}
