/*
 * yargs MARKER FILE PROGRAM ARGS...
 *
 * Executes PROGRAM (looked up on PATH) with ARGS, where the first ARG equal to MARKER is replaced by the
 * strings stored in FILE, each terminated by a NUL byte (a last string without its NUL is taken too).
 * This is how runners pass /ATO/arguments and /ATO/options through without any shell quoting: every byte,
 * including spaces, quotes, newlines and non-UTF-8, reaches the program exactly.
 *
 * Why C: it runs inside the container, in every runner, once or twice per run; a shell cannot build an argv
 * from NUL-separated data without a helper, and a static binary works in every image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *arg) {
    fprintf(stderr, "yargs: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
    exit(127);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: yargs MARKER FILE PROGRAM [ARGS...]\n");
        return 127;
    }
    const char *marker = argv[1];
    const char *file = argv[2];

    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open", file);
    struct stat st;
    if (fstat(fd, &st) < 0) die("stat", file);
    size_t cap = st.st_size > 0 ? (size_t) st.st_size : 0;
    char *buf = malloc(cap + 1);
    if (!buf) die("malloc for", file);
    size_t len = 0;
    for (;;) {
        if (len == cap) { /* the file grew since fstat: grow the buffer */
            cap = cap * 2 + 4096;
            char *n = realloc(buf, cap + 1);
            if (!n) die("realloc for", file);
            buf = n;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) { if (errno == EINTR) continue; die("read", file); }
        if (r == 0) break;
        len += (size_t) r;
    }
    close(fd);
    buf[len] = '\0'; /* terminates a last string that lacks its NUL */

    size_t strings = 0;
    for (size_t i = 0; i < len; i++) if (buf[i] == '\0') strings++;
    if (len > 0 && buf[len - 1] != '\0') strings++;

    int rest = argc - 3; /* PROGRAM and ARGS */
    char **out = calloc((size_t) rest + strings + 1, sizeof(char *));
    if (!out) die("calloc", NULL);
    size_t k = 0;
    int replaced = 0;
    for (int i = 3; i < argc; i++) {
        if (!replaced && i > 3 && strcmp(argv[i], marker) == 0) {
            replaced = 1;
            for (size_t p = 0; p < len; p += strlen(buf + p) + 1) out[k++] = buf + p;
        } else {
            out[k++] = argv[i];
        }
    }
    out[k] = NULL;
    execvp(out[0], out);
    die("exec", out[0]);
    return 127;
}
