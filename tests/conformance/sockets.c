/* The sock_* calls on things that are not sockets (a file, stdin, a directory) and on
 * bad fds. */
#include "conformance.h"

static void try_all(const char *what, __wasi_fd_t fd) {
    char buf[16], label[64];
    __wasi_fd_t accepted;
    __wasi_size_t n;
    __wasi_roflags_t roflags;
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"hi", 2};
    snprintf(label, sizeof label, "sock_accept %s", what);
    report(label, __wasi_sock_accept(fd, 0, &accepted));
    snprintf(label, sizeof label, "sock_recv %s", what);
    report(label, __wasi_sock_recv(fd, &iov, 1, 0, &n, &roflags));
    snprintf(label, sizeof label, "sock_send %s", what);
    report(label, __wasi_sock_send(fd, &ciov, 1, 0, &n));
    snprintf(label, sizeof label, "sock_shutdown %s", what);
    report(label, __wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD | __WASI_SDFLAGS_WR));
}

int main(void) {
    __wasi_fd_t fd, dir;
    make_file("f", "content");
    report("open f", open_at(ROOT, "f", 0, 0, &fd));
    report("mkdir d", __wasi_path_create_directory(ROOT, "d"));
    report("open d", open_dir(ROOT, "d", &dir));
    try_all("file", fd);
    try_all("stdin", 0);
    try_all("dir", dir);
    try_all("bad fd", 99);
    char buf[16];
    __wasi_size_t n = 0;
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    report("file still readable", __wasi_fd_pread(fd, &iov, 1, 0, &n));
    print_bytes("  data", buf, n);
    return 0;
}
