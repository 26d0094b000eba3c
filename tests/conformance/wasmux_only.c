/* Checks the reference cannot judge: wasmtime's built-in WASI traps, ignores rights, or
 * sandboxes each directory fd where POSIX (and the WASI spec) say otherwise. Each
 * section names what wasmtime does; test_conformance.py holds the POSIX-expected
 * output and runs this program on Wasmux alone. */
#include "conformance.h"

static __wasi_errno_t stat_type(const char *label, __wasi_fd_t dir, const char *path) {
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_path_filestat_get(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, &st);
    if (e)
        return report(label, e);
    printf("%s: type %s\n", label, filetype_name(st.filetype));
    return 0;
}

int main(void) {
    __wasi_fd_t fd, dir, fd2;
    __wasi_filesize_t pos;
    __wasi_timestamp_t t;
    __wasi_size_t n;
    char buf[32];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_ciovec_t ciov = {(const uint8_t *)"new", 3};

    report("mkdir p", __wasi_path_create_directory(ROOT, "p"));
    report("mkdir p/a", __wasi_path_create_directory(ROOT, "p/a"));
    make_file("p/file", "data");
    report("open p/file", open_at(ROOT, "p/file", 0, 0, &fd));

    /* wasmtime traps on enum values it does not know; POSIX answers EINVAL */
    report("seek bad whence", __wasi_fd_seek(fd, 0, 7, &pos));
    report("advise bad advice", __wasi_fd_advise(fd, 0, 1, 77));
    report("clock_res_get bad id", __wasi_clock_res_get(9, &t));
    report("clock_time_get bad id", __wasi_clock_time_get(9, 1, &t));

    /* wasmtime: EBADF; POSIX clock_gettime supports the CPU-time clocks */
    report("clock_time_get process_cputime", __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &t));
    report("clock_time_get thread_cputime", __wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &t));

    /* wasmtime: ENOTSUP; posix_fallocate extends the file */
    report("allocate 0+16", __wasi_fd_allocate(fd, 0, 16));
    __wasi_filestat_t st;
    __wasi_fd_filestat_get(fd, &st);
    printf("  size %llu\n", (unsigned long long)st.size);

    /* wasmtime: EBADF for both; POSIX read(dirfd) is EISDIR, mkdirat(filefd) ENOTDIR */
    report("open p/a", open_dir(ROOT, "p/a", &dir));
    report("read on dir", __wasi_fd_read(dir, &iov, 1, &n));
    report("mkdir relative to file", __wasi_path_create_directory(fd, "x"));

    /* wasmtime: EINVAL; rmdir("p/b/") removes the directory */
    report("mkdir p/b", __wasi_path_create_directory(ROOT, "p/b"));
    report("rmdir trailing slash", __wasi_path_remove_directory(ROOT, "p/b/"));
    stat_type("stat p/b", ROOT, "p/b");

    /* wasmtime sandboxes every directory fd (EPERM); openat(dirfd, "../x") works */
    report("open ../file from p/a", open_at(dir, "../file", 0, 0, &fd2));
    report("mkdir ../c from p/a", __wasi_path_create_directory(dir, "../c"));
    stat_type("stat p/c", ROOT, "p/c");

    /* wasmtime: EPERM for absolute paths and for ".." above the preopen; POSIX: an
     * absolute path ignores the dir fd and "/.." is "/" */
    stat_type("stat /p/file", ROOT, "/p/file");
    stat_type("stat /p/file from p/a", dir, "/p/file");
    stat_type("stat ../p/file from root", ROOT, "../p/file");
    stat_type("stat p/../../../p/file", ROOT, "p/../../../p/file");
    report("symlink absolute target", __wasi_path_symlink("/p/file", ROOT, "p/abs"));
    stat_type("stat through absolute symlink", ROOT, "p/abs");
    report("symlink to ../..", __wasi_path_symlink("../..", ROOT, "p/a/up"));
    stat_type("stat p/a/up/p/file", ROOT, "p/a/up/p/file");

    /* wasmtime: fd_fdstat_set_rights is ENOTSUP and rights are not enforced; the WASI
     * spec drops rights for good and refuses calls that need them with ENOTCAPABLE */
    __wasi_fdstat_t fst;
    report("drop write right", __wasi_fd_fdstat_set_rights(fd, RIGHTS_ALL & ~R_WRITE, 0));
    __wasi_fd_fdstat_get(fd, &fst);
    printf("  write right %d\n", (fst.fs_rights_base & R_WRITE) != 0);
    report("write after dropping the right", __wasi_fd_write(fd, &ciov, 1, &n));
    report("pread still allowed", __wasi_fd_pread(fd, &iov, 1, 0, &n));
    report("regain write right", __wasi_fd_fdstat_set_rights(fd, RIGHTS_ALL, 0));
    __wasi_fd_t limited;
    report("open p without path_open right",
           __wasi_path_open(ROOT, 0, "p", __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR,
                            0, 0, &limited));
    report("open through it", open_at(limited, "file", 0, 0, &fd2));

    /* wasmtime fails the whole poll_oneoff with EBADF; the spec reports it in the
     * subscription's event (as poll() reports POLLNVAL) */
    __wasi_subscription_t sub;
    memset(&sub, 0, sizeof sub);
    sub.userdata = 8;
    sub.u.tag = __WASI_EVENTTYPE_FD_READ;
    sub.u.u.fd_read.file_descriptor = 99;
    __wasi_event_t event;
    if (report("poll bad fd", __wasi_poll_oneoff(&sub, &event, 1, &n)) == 0)
        printf("  %u events: userdata %llu type %u error %u\n", (unsigned)n,
               (unsigned long long)event.userdata, event.type, event.error);
    return 0;
}
