/*
 * ato-init NJOIN PROGRAM ARGS...   (environment: the run's environment)
 * ato-init userns                  (see make_userns below)
 * ato-init private DIR             (see list_private below)
 *
 * PID 1 of every run. The JVM has already made the mount, UTS, IPC, network and PID namespaces and assembled
 * the container; it spawned this program with:
 *   fd 0 stdin (/ATO/input), fd 1 stdout pipe, fd 2 stderr pipe,
 *   fd 3 control pipe from the JVM: u32 length + seccomp program (struct sock_filter[]), then one byte 'P'
 *        (the JVM thread left our mount namespace), later one byte 'G' (placed in the cgroup, maps written),
 *   fd 4 status pipe to the JVM: one byte 'U' (maps wanted), later the final report (struct report),
 *   fd 5 the container's new root directory (O_PATH; a descriptor, so no host path shows in our argv),
 *   fds 6 .. 6+NJOIN-1 the run's cgroup v1 "tasks" files, opened for writing (NJOIN may be 0: cgroup v2,
 *        where the JVM places us itself).
 *
 * Why C, step by step: each step is something a process can only do to itself, after it exists and before
 * the untrusted program does:
 *   - a process moving itself into a cgroup v1 ("0" to tasks) skips the global write lock the JVM would
 *     take to move us from outside, which often waits for an RCU grace period;
 *   - /proc must be mounted by a process of the new PID namespace to show that namespace;
 *   - pivot_root moves the root of every task of the mount namespace whose root is the old one; it waits
 *     for 'P', which the JVM sends once the thread that made the namespace has left it (ARCHITECTURE.md,
 *     "Trap"), so no JVM thread is ever moved into the container;
 *   - unshare(CLONE_NEWUSER) is refused to a multi-threaded process (the JVM);
 *   - capabilities, no_new_privs and seccomp apply to the calling thread and its future children;
 *   - something must stay PID 1 to reap orphans and report the runner's wait status and rusage.
 * Every failure writes one line to stderr (the run's stderr pipe) and exits 125..127 without a report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CTL_FD 3
#define STATUS_FD 4
#define ROOT_FD 5
#define JOIN_FD 6
#define MAX_JOIN 16
#define MAX_FILTER 4096

/* Layout read by the JVM (dev.ato.sandbox.linux.InitReport, field by field): 16 little-endian int64 values. */
struct report {
    int64_t magic;      /* 0x41544f5245504f52 "ATOREPOR" */
    int64_t wait_status;
    int64_t utime_us, stime_us, maxrss_kib, minflt, majflt, inblock, oublock, nvcsw, nivcsw;
    int64_t reserved[5];
};

static void die(const char *what) {
    /* stderr is the run's stderr: the caller sees why the container could not start. */
    int e = errno;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "ato-init: %s: %s\n", what, strerror(e));
    if (n > 0) (void) !write(2, buf, (size_t) n < sizeof buf ? (size_t) n : sizeof buf - 1);
    _exit(125);
}

static int read_full(int fd, void *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, (char *) buf + got, len - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        got += (size_t) r;
    }
    return 0;
}

static void write_full(int fd, const void *buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, (const char *) buf + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) _exit(126);
        done += (size_t) w;
    }
}

static void drop_capabilities(void) {
    /* The bounding set first (needs CAP_SETPCAP, which we still hold): with it empty, even an execve as
     * uid 0 grants nothing (capabilities(7), "Transformation of capabilities during execve"). */
    for (int cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) die("PR_CAPBSET_DROP");
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) die("PR_CAP_AMBIENT_CLEAR_ALL");
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &hdr, data) < 0) die("capset");
}

/*
 * A user namespace for the JVM to keep (it cannot make one itself: unshare(CLONE_NEWUSER) is refused to a
 * multi-threaded process): enter a new one, say 'U' on fd 1, wait for EOF on fd 0 (meanwhile the JVM writes
 * the maps and opens /proc/PID/ns/user), exit. The sandbox uses these as the idmappings of image layers.
 */
static int make_userns(void) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) die("PR_SET_PDEATHSIG");
    if (unshare(CLONE_NEWUSER) < 0) die("unshare(CLONE_NEWUSER)");
    write_full(1, "U", 1);
    char b;
    while (read(0, &b, 1) > 0) { }
    return 0;
}

/*
 * The entries below the directory fd `dir` (path `rel`, relative to the walk's top, "" at the top) that an
 * unprivileged user could not read: files without o+r, directories without o+r or o+x (not descended
 * into). Symbolic links are not followed (where they lead is walked there); directories of another device
 * than `dev` are not entered. Each is written to fd 1 as its relative path and a NUL byte.
 * An entry that vanishes meanwhile is skipped; one root cannot even stat is listed (hidden, not guessed at).
 */
static char out_buf[65536];
static size_t out_len;

static void emit(const char *rel, const char *name) {
    size_t a = strlen(rel), b = strlen(name);
    if (out_len + a + b + 1 > sizeof out_buf) { write_full(1, out_buf, out_len); out_len = 0; }
    if (a + b + 1 > sizeof out_buf) { errno = ENAMETOOLONG; die("private: path"); }
    memcpy(out_buf + out_len, rel, a);
    memcpy(out_buf + out_len + a, name, b);
    out_buf[out_len + a + b] = '\0';
    out_len += a + b + 1;
}

static void walk_private(int dir, const char *rel, dev_t dev) {
    DIR *d = fdopendir(dir);
    if (d == NULL) die("private: fdopendir");
    struct dirent *e;
    while ((errno = 0, e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT) emit(rel, e->d_name);
            continue;
        }
        if (S_ISLNK(st.st_mode)) continue;
        int dir_bits_missing = S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH);
        if (!(st.st_mode & S_IROTH) || dir_bits_missing) {
            emit(rel, e->d_name);
        } else if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                if (errno != ENOENT) emit(rel, e->d_name);
                continue;
            }
            size_t n = strlen(rel) + strlen(e->d_name) + 2;
            char *child = malloc(n);
            if (child == NULL) die("private: malloc");
            snprintf(child, n, "%s%s/", rel, e->d_name);
            walk_private(sub, child, dev); /* closes sub */
            free(child);
        }
    }
    if (errno != 0) die("private: readdir");
    closedir(d);
}

/* ato-init private DIR: the JVM's list of what to mask in a host directory (dev.ato.sandbox.linux.HostMask). */
static int list_private(const char *top) {
    int fd = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) die("private: open");
    struct stat st;
    if (fstat(fd, &st) < 0) die("private: fstat");
    walk_private(fd, "", st.st_dev);
    write_full(1, out_buf, out_len);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "userns") == 0) return make_userns();
    if (argc == 3 && strcmp(argv[1], "private") == 0) return list_private(argv[2]);
    if (argc < 3) {
        errno = EINVAL;
        die("usage: ato-init NJOIN PROGRAM [ARGS...]");
    }
    char *end;
    long njoin = strtol(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end != '\0' || njoin < 0 || njoin > MAX_JOIN) {
        errno = EINVAL;
        die("NJOIN");
    }

    /* If the JVM dies from here on, so do we; PID 1 dying takes the whole PID namespace with it. A JVM that
     * died before this call is caught by the EOF on the control pipe below. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) die("PR_SET_PDEATHSIG");

    /* The JVM's descriptors without O_CLOEXEC would otherwise leak into the container. */
    unsigned first_stray = (unsigned) (JOIN_FD + njoin);
    if (syscall(SYS_close_range, first_stray, ~0U, 0U) < 0) {
        for (int fd = (int) first_stray; fd < 65536; fd++) close(fd);
    }
    for (int i = 0; i < njoin; i++) fcntl(JOIN_FD + i, F_SETFD, FD_CLOEXEC);
    fcntl(CTL_FD, F_SETFD, FD_CLOEXEC);
    fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC);
    fcntl(ROOT_FD, F_SETFD, FD_CLOEXEC);

    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    }

    uint32_t filter_len;
    if (read_full(CTL_FD, &filter_len, sizeof filter_len) < 0) _exit(126);
    if (filter_len == 0 || filter_len > MAX_FILTER) {
        errno = EINVAL;
        die("seccomp filter length");
    }
    struct sock_filter *filter = calloc(filter_len, sizeof *filter);
    if (!filter) die("calloc");
    if (read_full(CTL_FD, filter, filter_len * sizeof *filter) < 0) _exit(126);

    /* The JVM's supplementary groups (host root's) must not follow us in. */
    if (setgroups(0, NULL) < 0) die("setgroups");

    char go;
    if (read_full(CTL_FD, &go, 1) < 0 || go != 'P') _exit(126); /* the JVM gave up on this run */
    if (fchdir(ROOT_FD) < 0) die("fchdir(new root)");
    close(ROOT_FD);
    if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) die("mount(proc)");
    /* pivot_root(".", "."): the old root ends up stacked under the new one and is detached at once
     * (pivot_root(2), NOTES), so no put_old directory is needed. */
    if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root");
    if (umount2(".", MNT_DETACH) < 0) die("umount2(old root)");
    if (chdir("/") < 0) die("chdir(/)");

    if (unshare(CLONE_NEWUSER) < 0) die("unshare(CLONE_NEWUSER)");
    write_full(STATUS_FD, "U", 1);
    /* Into the run's cgroup while the JVM writes our maps, and before we can fork. We are single-threaded,
     * so "0" (the writing thread) moves the whole process. Still host root (euid 0, unchanged by entering
     * the user namespace), which cgroup v1 asks of whoever moves a task. */
    for (int i = 0; i < njoin; i++) {
        if (write(JOIN_FD + i, "0\n", 2) != 2) die("joining the run's cgroup");
        close(JOIN_FD + i);
    }
    if (read_full(CTL_FD, &go, 1) < 0 || go != 'G') _exit(126);
    close(CTL_FD);

    /* Now inside the run's cgroup (we joined it, or the JVM placed us before 'G'): make it the cgroup
     * namespace's root. */
    if (unshare(CLONE_NEWCGROUP) < 0) die("unshare(CLONE_NEWCGROUP)");
    if (setresgid(0, 0, 0) < 0) die("setresgid");
    if (setresuid(0, 0, 0) < 0) die("setresuid");
    /* A change of credentials clears the parent-death signal (PR_SET_PDEATHSIG in prctl(2)): set it again,
     * then make sure the JVM did not die in between (its end of the status pipe would be closed). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) die("PR_SET_PDEATHSIG");
    struct pollfd alive = {STATUS_FD, POLLOUT, 0};
    if (poll(&alive, 1, 0) < 0 || (alive.revents & (POLLERR | POLLHUP))) _exit(126);
    drop_capabilities();
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("PR_SET_NO_NEW_PRIVS");
    /* Same uid as the runner: without this, the runner could ptrace us and forge the report. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) die("PR_SET_DUMPABLE");
    struct sock_fprog prog = {(unsigned short) filter_len, filter};
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) die("PR_SET_SECCOMP");
    free(filter);

    /* The JVM built the container with umask 0 (it sets every mode itself); the program gets a login's. */
    umask(022);
    pid_t runner = fork();
    if (runner < 0) die("fork");
    if (runner == 0) {
        close(STATUS_FD);
        setsid();
        if (chdir("/ATO/context") < 0) die("chdir(/ATO/context)");
        execvp(argv[2], argv + 2);
        int e = errno;
        char buf[512];
        int n = snprintf(buf, sizeof buf, "ato-init: exec %s: %s\n", argv[2], strerror(e));
        if (n > 0) (void) !write(2, buf, (size_t) n < sizeof buf ? (size_t) n : sizeof buf - 1);
        _exit(e == ENOENT ? 127 : 126);
    }
    /* Our stdio belongs to the runner; holding it would keep the pipes open after the run. */
    close(0);
    close(1);
    close(2);

    int status = 0;
    for (;;) {
        int st;
        pid_t p = wait4(-1, &st, 0, NULL);
        if (p < 0) {
            if (errno == EINTR) continue;
            _exit(126);
        }
        if (p == runner) {
            status = st;
            break;
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    struct report r;
    memset(&r, 0, sizeof r);
    r.magic = 0x41544f5245504f52LL;
    r.wait_status = status;
    r.utime_us = (int64_t) ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec;
    r.stime_us = (int64_t) ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
    r.maxrss_kib = ru.ru_maxrss;
    r.minflt = ru.ru_minflt;
    r.majflt = ru.ru_majflt;
    r.inblock = ru.ru_inblock;
    r.oublock = ru.ru_oublock;
    r.nvcsw = ru.ru_nvcsw;
    r.nivcsw = ru.ru_nivcsw;
    write_full(STATUS_FD, &r, sizeof r);
    /* Exiting as PID 1 kills every process left in the namespace. */
    _exit(0);
}
