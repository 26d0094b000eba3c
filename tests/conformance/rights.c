/* Rights: the access mode a path_open asks for through FD_READ / FD_WRITE, what
 * fd_fdstat_get reports, and calls the access mode forbids (EBADF as in POSIX).
 * wasmtime answers ENOTSUP to fd_fdstat_set_rights, so dropping rights is checked in
 * wasmux_only.c. */
#include "conformance.h"

static void show(const char *label, __wasi_fd_t fd) {
    __wasi_fdstat_t st;
    if (report(label, __wasi_fd_fdstat_get(fd, &st)) == 0)
        printf("  read %d write %d seek %d\n", (st.fs_rights_base & R_READ) != 0,
               (st.fs_rights_base & R_WRITE) != 0,
               (st.fs_rights_base & __WASI_RIGHTS_FD_SEEK) != 0);
}

int main(void) {
    __wasi_fd_t fd;
    char buf[16];
    __wasi_size_t n;
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"new", 3};
    make_file("f", "content");

    report("open read-only", __wasi_path_open(ROOT, 0, "f", 0, R_READ | __WASI_RIGHTS_FD_SEEK,
                                              0, 0, &fd));
    show("fdstat read-only", fd);
    report("read", __wasi_fd_read(fd, &iov, 1, &n));
    report("write to read-only", __wasi_fd_write(fd, &ciov, 1, &n));
    report("pwrite to read-only", __wasi_fd_pwrite(fd, &ciov, 1, 0, &n));
    report("set_size on read-only", __wasi_fd_filestat_set_size(fd, 0));
    __wasi_fd_close(fd);

    report("open write-only", __wasi_path_open(ROOT, 0, "f", 0, R_WRITE | __WASI_RIGHTS_FD_SEEK,
                                               0, 0, &fd));
    show("fdstat write-only", fd);
    report("read from write-only", __wasi_fd_read(fd, &iov, 1, &n));
    report("pread from write-only", __wasi_fd_pread(fd, &iov, 1, 0, &n));
    report("write", __wasi_fd_write(fd, &ciov, 1, &n));
    __wasi_fd_close(fd);

    report("open read-write", open_at(ROOT, "f", 0, 0, &fd));
    show("fdstat read-write", fd);
    report("pread", __wasi_fd_pread(fd, &iov, 1, 0, &n));
    print_bytes("  data", buf, n);
    __wasi_fd_close(fd);

    report("set_rights bad fd", __wasi_fd_fdstat_set_rights(77, 0, 0));
    return 0;
}
