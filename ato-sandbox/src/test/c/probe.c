/*
 * probe: what the sandbox tests run inside a container to ask the kernel things directly, without
 * depending on what the host image happens to contain. Built static by the tests with gcc.
 *   probe syscalls          try every call the container must refuse, print "name=ERRNO" or "name=ok"
 *   probe listen PORT       listen on 127.0.0.1:PORT, print "listening", answer one client with "pong"
 *   probe connect PORT      connect to 127.0.0.1:PORT, print "connected <reply>" or "connect=ERRNO"
 *   probe read FILE         print "read=ok" or "read=ERRNO"
 *   probe pin KIND N        KIND tcp, udp or unix: up to N loopback pairs (or until descriptors run out), each
 *                           with its buffers filled and never read; prints "pinned KIND PAIRS BYTES" (what the
 *                           kernel took) and holds them until killed
 *   probe pipes N           make up to N pipes (until descriptors run out), print "pipes COUNT last=SIZE" (the
 *                           last pipe's F_GETPIPE_SZ: 4096 once the user's pipe-user-pages-soft is used up), hold
 *   probe pipesz            print "pipesz=SIZE" of a new pipe
 *   probe families          socket()/socketpair() of each address family, print "name=ok" or "name=ERRNO";
 *                           AF_VSOCK also binds (VMADDR_CID_ANY, port 31337), as the red team's attack did
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <linux/netlink.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>

static void report(const char *name, long rc) {
    if (rc < 0) printf("%s=%s\n", name, strerrorname_np(errno));
    else printf("%s=ok\n", name);
    fflush(stdout);
}

static int child(void *arg) { (void) arg; return 0; }
static void *thread_main(void *arg) { return arg; }

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    if (!strcmp(argv[1], "syscalls")) {
        report("mount", mount("none", "/mnt", "tmpfs", 0, NULL));
        report("unshare_user", unshare(CLONE_NEWUSER));
        report("unshare_net", unshare(CLONE_NEWNET));
        report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
        report("add_key", syscall(SYS_add_key, "user", "k", "v", 1, KEY_SPEC_PROCESS_KEYRING));
        report("setns", setns(0, 0));
        report("pivot_root", syscall(SYS_pivot_root, "/", "/"));
        report("bpf", syscall(SYS_bpf, 0, NULL, 0));
        report("userfaultfd", syscall(SYS_userfaultfd, 0));
        report("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
        report("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
        static char stack[65536];
        long pid = clone(child, stack + sizeof stack, CLONE_NEWUSER | SIGCHLD, NULL);
        report("clone_newuser", pid);
        if (pid > 0) waitpid((pid_t) pid, NULL, 0);
        long r;
        /* i386 entry: getpid is 20 there. The filter must refuse every non-x86_64 entry with EPERM. */
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
        printf("int80=%ld\n", r);
        report("x32_getpid", syscall(39 | 0x40000000));
        pid = fork();
        if (pid == 0) _exit(0);
        report("fork", pid);
        /* glibc tries clone3 first (refused with ENOSYS by the filter) and falls back to clone. */
        pthread_t t;
        int e = pthread_create(&t, NULL, thread_main, NULL);
        if (e == 0) pthread_join(t, NULL);
        errno = e;
        report("thread", e ? -1 : 0);
        if (pid > 0) waitpid((pid_t) pid, NULL, 0);
        return 0;
    }
    if (!strcmp(argv[1], "listen") && argc > 2) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        int one = 1;
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short) atoi(argv[2]))};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(s, (struct sockaddr *) &a, sizeof a) < 0) { report("bind", -1); return 1; }
        if (listen(s, 1) < 0) { report("listen", -1); return 1; }
        printf("listening\n");
        fflush(stdout);
        int c = accept(s, NULL, NULL);
        if (c < 0) { report("accept", -1); return 1; }
        (void) !write(c, "pong", 4);
        close(c);
        return 0;
    }
    if (!strcmp(argv[1], "connect") && argc > 2) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short) atoi(argv[2]))};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (connect(s, (struct sockaddr *) &a, sizeof a) < 0) { report("connect", -1); return 1; }
        char buf[16] = {0};
        ssize_t n = read(s, buf, sizeof buf - 1);
        printf("connected %s\n", n > 0 ? buf : "");
        return 0;
    }
    if (!strcmp(argv[1], "pin") && argc > 3) {
        const char *kind = argv[2];
        long n = atol(argv[3]), pairs = 0, bytes = 0;
        static char junk[65536];
        int listener = -1;
        struct sockaddr_in a = {.sin_family = AF_INET};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t alen = sizeof a;
        if (!strcmp(kind, "tcp")) {
            listener = socket(AF_INET, SOCK_STREAM, 0);
            if (listener < 0 || bind(listener, (struct sockaddr *) &a, sizeof a) < 0 || listen(listener, 4096) < 0
                    || getsockname(listener, (struct sockaddr *) &a, &alen) < 0) { report("listen", -1); return 1; }
        }
        for (; pairs < n; pairs++) {
            int s[2] = {-1, -1};
            if (!strcmp(kind, "unix")) {
                if (socketpair(AF_UNIX, SOCK_DGRAM, 0, s) < 0) break;
            } else if (!strcmp(kind, "udp")) {
                struct sockaddr_in b = {.sin_family = AF_INET};
                b.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                socklen_t blen = sizeof b;
                s[0] = socket(AF_INET, SOCK_DGRAM, 0);
                s[1] = socket(AF_INET, SOCK_DGRAM, 0);
                if (s[0] < 0 || s[1] < 0) break;
                if (bind(s[1], (struct sockaddr *) &b, sizeof b) < 0 || getsockname(s[1], (struct sockaddr *) &b, &blen) < 0
                        || connect(s[0], (struct sockaddr *) &b, sizeof b) < 0) break;
            } else {
                s[0] = socket(AF_INET, SOCK_STREAM, 0);
                if (s[0] < 0 || connect(s[0], (struct sockaddr *) &a, sizeof a) < 0) break;
                s[1] = accept(listener, NULL, NULL);
                if (s[1] < 0) break;
            }
            int big = 1 << 30;
            for (int k = 0; k < 2; k++) {
                setsockopt(s[k], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
                setsockopt(s[k], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
                fcntl(s[k], F_SETFL, O_NONBLOCK);
            }
            /* Fill: TCP both ways, datagrams from s[0] to s[1] (and back for unix), until the kernel refuses. */
            for (int k = 0; k < 2; k++) {
                if (k == 1 && !strcmp(kind, "udp")) break;
                size_t chunk = !strcmp(kind, "unix") ? 1024 : !strcmp(kind, "udp") ? 16384 : sizeof junk;
                /* A UDP send to a full receiver succeeds and the datagram is dropped: stop at twice what the
                 * receiver's buffer can hold. */
                int rcv = 0;
                socklen_t rl = sizeof rcv;
                getsockopt(s[1 - k], SOL_SOCKET, SO_RCVBUF, &rcv, &rl);
                int most = !strcmp(kind, "udp") ? 2 * rcv / (int) chunk + 16 : 1000000;
                for (int tries = 0; tries < most; tries++) {
                    ssize_t w = send(s[k], junk, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
                    if (w <= 0) break;
                    bytes += w;
                }
            }
        }
        printf("pinned %s %ld %ld\n", kind, pairs, bytes);
        fflush(stdout);
        for (;;) pause();
    }
    if (!strcmp(argv[1], "pipes") && argc > 2) {
        long n = atol(argv[2]), made = 0;
        int last = -1, p[2];
        for (; made < n && pipe(p) == 0; made++) last = p[0];
        printf("pipes %ld last=%d\n", made, last >= 0 ? fcntl(last, F_GETPIPE_SZ) : -1);
        fflush(stdout);
        for (;;) pause();
    }
    if (!strcmp(argv[1], "pipesz")) {
        int p[2];
        if (pipe(p) < 0) { report("pipe", -1); return 1; }
        printf("pipesz=%d\n", fcntl(p[0], F_GETPIPE_SZ));
        return 0;
    }
    if (!strcmp(argv[1], "families")) {
        static const struct { const char *name; int family, type; } fams[] = {
            {"unix", AF_UNIX, SOCK_STREAM}, {"inet", AF_INET, SOCK_STREAM}, {"inet6", AF_INET6, SOCK_DGRAM},
            {"netlink", AF_NETLINK, SOCK_RAW}, {"packet", AF_PACKET, SOCK_RAW}, {"alg", AF_ALG, SOCK_SEQPACKET},
            {"key", AF_KEY, SOCK_RAW}, {"tipc", AF_TIPC, SOCK_RDM}, {"rds", AF_RDS, SOCK_SEQPACKET},
            {"can", AF_CAN, SOCK_RAW}, {"bluetooth", AF_BLUETOOTH, SOCK_RAW}, {"xdp", AF_XDP, SOCK_RAW},
            {"llc", AF_LLC, SOCK_DGRAM}, {"pppox", AF_PPPOX, SOCK_STREAM}, {"appletalk", AF_APPLETALK, SOCK_DGRAM},
        };
        for (size_t i = 0; i < sizeof fams / sizeof fams[0]; i++) {
            int fd = socket(fams[i].family, fams[i].type, 0);
            report(fams[i].name, fd);
            if (fd >= 0) close(fd);
        }
        int sv[2];
        long rc = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        report("socketpair_unix", rc);
        rc = socketpair(AF_VSOCK, SOCK_STREAM, 0, sv);
        report("socketpair_vsock", rc);
        /* The upper half of the family register is ignored by the kernel: AF_VSOCK in disguise. */
        rc = syscall(SYS_socket, (long) AF_VSOCK | (1L << 32), SOCK_STREAM, 0);
        report("vsock_high_bits", rc);
        int v = socket(AF_VSOCK, SOCK_STREAM, 0);
        report("vsock", v);
        if (v >= 0) {
            struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = 31337};
            report("vsock_bind", bind(v, (struct sockaddr *) &a, sizeof a));
        }
        return 0;
    }
    if (!strcmp(argv[1], "read") && argc > 2) {
        int fd = open(argv[2], O_RDONLY);
        char b[1];
        report("read", fd < 0 ? -1 : read(fd, b, 1));
        return 0;
    }
    return 2;
}
