package dev.ato.server.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few C library calls of the server itself (the sandbox has its own, internal to it); errno via Native.getLastError. */
public interface Libc extends Library {
    /** The C library. */
    Libc I = Native.load("c", Libc.class);

    /** socket(2). */
    int socket(int domain, int type, int protocol);

    /** sendto(2). */
    long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

    /** close(2). */
    int close(int fd);

    /** geteuid(2). */
    int geteuid();

    /** syscall(2) with two arguments. */
    long syscall(long number, long a, long b);
}
