/* Helpers shared by the conformance programs: print each WASI call's errno by name
 * and number, open files relative to the root preopen (fd 3, "/"), and write small
 * files. Output must stay deterministic: no times, inode numbers or addresses. */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

#define ROOT 3

#define RIGHTS_ALL ((__wasi_rights_t)0x1fffffff)
#define R_READ __WASI_RIGHTS_FD_READ
#define R_WRITE __WASI_RIGHTS_FD_WRITE

static const char *errno_name(__wasi_errno_t e) {
    static const char *names[] = {
        "SUCCESS", "2BIG", "ACCES", "ADDRINUSE", "ADDRNOTAVAIL", "AFNOSUPPORT", "AGAIN",
        "ALREADY", "BADF", "BADMSG", "BUSY", "CANCELED", "CHILD", "CONNABORTED",
        "CONNREFUSED", "CONNRESET", "DEADLK", "DESTADDRREQ", "DOM", "DQUOT", "EXIST",
        "FAULT", "FBIG", "HOSTUNREACH", "IDRM", "ILSEQ", "INPROGRESS", "INTR", "INVAL",
        "IO", "ISCONN", "ISDIR", "LOOP", "MFILE", "MLINK", "MSGSIZE", "MULTIHOP",
        "NAMETOOLONG", "NETDOWN", "NETRESET", "NETUNREACH", "NFILE", "NOBUFS", "NODEV",
        "NOENT", "NOEXEC", "NOLCK", "NOLINK", "NOMEM", "NOMSG", "NOPROTOOPT", "NOSPC",
        "NOSYS", "NOTCONN", "NOTDIR", "NOTEMPTY", "NOTRECOVERABLE", "NOTSOCK", "NOTSUP",
        "NOTTY", "NXIO", "OVERFLOW", "OWNERDEAD", "PERM", "PIPE", "PROTO",
        "PROTONOSUPPORT", "PROTOTYPE", "RANGE", "ROFS", "SPIPE", "SRCH", "STALE",
        "TIMEDOUT", "TXTBSY", "XDEV", "NOTCAPABLE"};
    return e < sizeof names / sizeof names[0] ? names[e] : "?";
}

/* Prints "label: ok" or "label: errno N (NAME)" and returns e. */
static __wasi_errno_t report(const char *label, __wasi_errno_t e) {
    if (e == 0)
        printf("%s: ok\n", label);
    else
        printf("%s: errno %u (%s)\n", label, (unsigned)e, errno_name(e));
    return e;
}

static void yesno(const char *label, int condition) {
    printf("%s: %s\n", label, condition ? "yes" : "no");
}

/* Opens path under the root with the given oflags/fdflags and all rights; returns the
 * errno and stores the fd (or -1). */
static __wasi_errno_t open_at(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags,
                              __wasi_fdflags_t fdflags, __wasi_fd_t *fd) {
    __wasi_fd_t out = (__wasi_fd_t)-1;
    __wasi_errno_t e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags,
                                        RIGHTS_ALL, RIGHTS_ALL, fdflags, &out);
    *fd = e == 0 ? out : (__wasi_fd_t)-1;
    return e;
}

static __wasi_errno_t write_all(__wasi_fd_t fd, const void *data, size_t len) {
    __wasi_ciovec_t iov = {(const uint8_t *)data, len};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_write(fd, &iov, 1, &n);
    if (e == 0 && n != len)
        printf("short write: %u of %u\n", (unsigned)n, (unsigned)len);
    return e;
}

/* Opens a directory for reading (no FD_WRITE right: with it, wasmtime and POSIX treat
 * the open as a write open, which fails with EISDIR). */
static __wasi_errno_t open_dir(__wasi_fd_t dir, const char *path, __wasi_fd_t *fd) {
    __wasi_fd_t out = (__wasi_fd_t)-1;
    __wasi_errno_t e = __wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path,
                                        __WASI_OFLAGS_DIRECTORY, RIGHTS_ALL & ~R_WRITE,
                                        RIGHTS_ALL, 0, &out);
    *fd = e == 0 ? out : (__wasi_fd_t)-1;
    return e;
}

/* Reads up to cap bytes into buf; prints errors; returns the count read. */
static size_t read_some(__wasi_fd_t fd, void *buf, size_t cap) {
    __wasi_iovec_t iov = {(uint8_t *)buf, cap};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_read(fd, &iov, 1, &n);
    if (e != 0)
        report("read_some", e);
    return n;
}

/* Creates (or truncates) path under ROOT with content; exits on failure. */
static void make_file(const char *path, const char *content) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(ROOT, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0, &fd);
    if (e != 0) {
        printf("make_file %s: errno %u\n", path, (unsigned)e);
        exit(90);
    }
    write_all(fd, content, strlen(content));
    __wasi_fd_close(fd);
}

/* Prints the data as a quoted string with escapes for non-printables. */
static void print_bytes(const char *label, const void *data, size_t len) {
    const unsigned char *p = data;
    printf("%s: %u \"", label, (unsigned)len);
    for (size_t i = 0; i < len; i++) {
        if (p[i] >= 32 && p[i] < 127 && p[i] != '"' && p[i] != '\\')
            putchar(p[i]);
        else
            printf("\\x%02x", p[i]);
    }
    printf("\"\n");
}

static const char *filetype_name(__wasi_filetype_t t) {
    static const char *names[] = {"unknown", "block", "char", "dir", "file",
                                  "socket_dgram", "socket_stream", "symlink"};
    return t < 8 ? names[t] : "?";
}

#endif
