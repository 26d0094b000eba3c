/* Moves files in and out of a Wasmux root through its own syscalls: `fileio put PATH`
 * writes stdin to PATH (creating parent directories), `fileio get PATH` copies PATH to
 * stdout. Exit status 1 with a message on stderr on any failure. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int fail(const char *what, const char *path) {
    fprintf(stderr, "fileio: %s %s: %s\n", what, path, strerror(errno));
    return 1;
}

static int make_parents(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return fail("mkdir", buf);
        *p = '/';
    }
    return 0;
}

static int copy(FILE *in, FILE *out) {
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            return 1;
    return ferror(in) ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fileio put|get PATH\n");
        return 2;
    }
    const char *path = argv[2];
    if (strcmp(argv[1], "put") == 0) {
        if (make_parents(path))
            return 1;
        FILE *out = fopen(path, "wb");
        if (!out)
            return fail("open", path);
        int bad = copy(stdin, out);
        if (fclose(out) != 0 || bad)
            return fail("write", path);
        return 0;
    }
    FILE *in = fopen(path, "rb");
    if (!in)
        return fail("open", path);
    int bad = copy(in, stdout);
    fclose(in);
    return bad || fflush(stdout) != 0 ? fail("read", path) : 0;
}
