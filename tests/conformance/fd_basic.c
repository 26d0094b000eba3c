/* The fd_* calls on regular files: read/write/seek/tell, pread/pwrite leaving the
 * offset alone, seeking past the end (reads return 0, a write there zero-fills),
 * append mode, truncate/extend, allocate/advise/sync, renumber, and bad fds. */
#include "conformance.h"

static void print_size(const char *label, __wasi_fd_t fd) {
    __wasi_filestat_t st;
    if (report(label, __wasi_fd_filestat_get(fd, &st)) == 0)
        printf("  size %llu type %s nlink %llu\n", (unsigned long long)st.size,
               filetype_name(st.filetype), (unsigned long long)st.nlink);
}

static void print_offset(const char *label, __wasi_fd_t fd) {
    __wasi_filesize_t pos = 12345;
    __wasi_errno_t e = __wasi_fd_tell(fd, &pos);
    if (e)
        report(label, e);
    else
        printf("%s: offset %llu\n", label, (unsigned long long)pos);
}

static void print_whole(const char *label, const char *path) {
    __wasi_fd_t fd;
    char buf[256];
    if (report(label, open_at(ROOT, path, 0, 0, &fd)))
        return;
    size_t n = read_some(fd, buf, sizeof buf);
    print_bytes(label, buf, n);
    __wasi_fd_close(fd);
}

int main(void) {
    __wasi_fd_t fd, fd2;
    __wasi_filesize_t pos;
    char buf[64];
    __wasi_size_t n;

    report("mkdir w", __wasi_path_create_directory(ROOT, "w"));
    report("create", open_at(ROOT, "w/f", __WASI_OFLAGS_CREAT, 0, &fd));
    report("write", write_all(fd, "hello world", 11));
    print_offset("tell after write", fd);
    print_size("filestat", fd);

    /* gather/scatter */
    /* wasmtime transfers only the first non-empty iovec per call (a short count POSIX
     * allows), so gather/scatter is checked by looping until everything moved. */
    __wasi_ciovec_t out[3] = {{(const uint8_t *)"AB", 2}, {(const uint8_t *)"", 0},
                              {(const uint8_t *)"CDE", 3}};
    size_t total = 0;
    while (total < 5) {
        __wasi_ciovec_t rest[3];
        size_t skip = total, count = 0;
        for (int i = 0; i < 3; i++) {
            size_t len = out[i].buf_len;
            if (skip >= len) { skip -= len; continue; }
            rest[count].buf = out[i].buf + skip;
            rest[count++].buf_len = len - skip;
            skip = 0;
        }
        __wasi_errno_t e = __wasi_fd_write(fd, rest, count, &n);
        if (e || n == 0) {
            report("writev", e);
            break;
        }
        total += n;
    }
    printf("writev total %u\n", (unsigned)total);

    report("seek set 0", __wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
    char a[4], b[5];
    __wasi_iovec_t in[2] = {{(uint8_t *)a, 4}, {(uint8_t *)b, 5}};
    report("readv", __wasi_fd_read(fd, in, 2, &n));
    yesno("readv filled the first iovec first", n >= 4 && memcmp(a, "hell", 4) == 0);
    report("seek set 9", __wasi_fd_seek(fd, 9, __WASI_WHENCE_SET, &pos));
    report("seek cur -3", __wasi_fd_seek(fd, -3, __WASI_WHENCE_CUR, &pos));
    printf("  new offset %llu\n", (unsigned long long)pos);
    report("seek end -2", __wasi_fd_seek(fd, -2, __WASI_WHENCE_END, &pos));
    printf("  new offset %llu\n", (unsigned long long)pos);
    n = read_some(fd, buf, sizeof buf);
    print_bytes("read at end-2", buf, n);
    n = read_some(fd, buf, sizeof buf);
    print_bytes("read at eof", buf, n);
    pos = 777;
    report("seek to negative", __wasi_fd_seek(fd, -100, __WASI_WHENCE_CUR, &pos));
    print_offset("offset after failed seek", fd);

    /* past the end: read gives 0, write zero-fills the gap */
    report("seek past end", __wasi_fd_seek(fd, 20, __WASI_WHENCE_SET, &pos));
    printf("  new offset %llu\n", (unsigned long long)pos);
    n = read_some(fd, buf, sizeof buf);
    print_bytes("read past end", buf, n);
    print_size("size unchanged by seek", fd);
    report("write past end", write_all(fd, "Z", 1));
    print_size("size after sparse write", fd);
    print_whole("content", "w/f");

    /* pread/pwrite do not move the offset */
    report("seek set 2", __wasi_fd_seek(fd, 2, __WASI_WHENCE_SET, &pos));
    __wasi_iovec_t piov = {(uint8_t *)buf, 5};
    report("pread at 6", __wasi_fd_pread(fd, &piov, 1, 6, &n));
    print_bytes("pread data", buf, n);
    print_offset("offset after pread", fd);
    __wasi_ciovec_t pw = {(const uint8_t *)"WORLD", 5};
    report("pwrite at 6", __wasi_fd_pwrite(fd, &pw, 1, 6, &n));
    printf("pwrite wrote %u\n", (unsigned)n);
    print_offset("offset after pwrite", fd);
    report("pread past end", __wasi_fd_pread(fd, &piov, 1, 1000, &n));
    printf("pread past end read %u\n", (unsigned)n);
    report("pwrite past end", __wasi_fd_pwrite(fd, &pw, 1, 30, &n));
    print_size("size after pwrite past end", fd);
    print_whole("content", "w/f");

    /* truncate and extend */
    report("set_size 5", __wasi_fd_filestat_set_size(fd, 5));
    print_size("after shrink", fd);
    print_offset("offset after shrink", fd);
    report("set_size 8", __wasi_fd_filestat_set_size(fd, 8));
    print_whole("after extend", "w/f");
    report("advise", __wasi_fd_advise(fd, 0, 8, __WASI_ADVICE_SEQUENTIAL));
    report("datasync", __wasi_fd_datasync(fd));
    report("sync", __wasi_fd_sync(fd));

    /* O_TRUNC on open */
    report("open trunc", open_at(ROOT, "w/f", __WASI_OFLAGS_TRUNC, 0, &fd2));
    print_size("after open trunc", fd2);
    __wasi_fd_close(fd2);

    /* append mode */
    make_file("w/log", "one\n");
    report("open append", open_at(ROOT, "w/log", 0, __WASI_FDFLAGS_APPEND, &fd2));
    __wasi_fdstat_t fst;
    report("fdstat", __wasi_fd_fdstat_get(fd2, &fst));
    printf("  type %s append %d\n", filetype_name(fst.fs_filetype),
           (fst.fs_flags & __WASI_FDFLAGS_APPEND) != 0);
    report("seek 0 in append", __wasi_fd_seek(fd2, 0, __WASI_WHENCE_SET, &pos));
    report("append write", write_all(fd2, "two\n", 4));
    print_offset("offset after append write", fd2);
    report("clear append", __wasi_fd_fdstat_set_flags(fd2, 0));
    report("fdstat", __wasi_fd_fdstat_get(fd2, &fst));
    printf("  append %d\n", (fst.fs_flags & __WASI_FDFLAGS_APPEND) != 0);
    report("seek 0", __wasi_fd_seek(fd2, 0, __WASI_WHENCE_SET, &pos));
    report("overwrite", write_all(fd2, "ONE", 3));
    report("set append", __wasi_fd_fdstat_set_flags(fd2, __WASI_FDFLAGS_APPEND));
    report("append again", write_all(fd2, "three\n", 6));
    print_whole("log", "w/log");
    __wasi_fd_close(fd2);

    /* renumber */
    report("open log again", open_at(ROOT, "w/log", 0, 0, &fd2));
    report("renumber fd2 -> fd", __wasi_fd_renumber(fd2, fd));
    n = read_some(fd, buf, 3);
    print_bytes("read via renumbered fd", buf, n);
    report("read old number", __wasi_fd_read(fd2, &piov, 1, &n));
    report("renumber to itself", __wasi_fd_renumber(fd, fd));
    report("renumber bad source", __wasi_fd_renumber(99, fd));
    report("renumber bad target", __wasi_fd_renumber(fd, 99));
    report("close", __wasi_fd_close(fd));
    report("close again", __wasi_fd_close(fd));

    /* bad fds everywhere */
    __wasi_fd_t bad = 77;
    __wasi_filestat_t st;
    report("bad read", __wasi_fd_read(bad, &piov, 1, &n));
    report("bad write", __wasi_fd_write(bad, &pw, 1, &n));
    report("bad pread", __wasi_fd_pread(bad, &piov, 1, 0, &n));
    report("bad pwrite", __wasi_fd_pwrite(bad, &pw, 1, 0, &n));
    report("bad seek", __wasi_fd_seek(bad, 0, __WASI_WHENCE_SET, &pos));
    report("bad tell", __wasi_fd_tell(bad, &pos));
    report("bad fdstat_get", __wasi_fd_fdstat_get(bad, &fst));
    report("bad fdstat_set_flags", __wasi_fd_fdstat_set_flags(bad, 0));
    report("bad filestat_get", __wasi_fd_filestat_get(bad, &st));
    report("bad set_size", __wasi_fd_filestat_set_size(bad, 0));
    report("bad set_times", __wasi_fd_filestat_set_times(bad, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
    report("bad allocate", __wasi_fd_allocate(bad, 0, 1));
    report("bad advise", __wasi_fd_advise(bad, 0, 1, 0));
    report("bad datasync", __wasi_fd_datasync(bad));
    report("bad sync", __wasi_fd_sync(bad));
    report("bad close", __wasi_fd_close(bad));
    __wasi_prestat_t pre;
    report("bad prestat_get", __wasi_fd_prestat_get(bad, &pre));
    report("bad readdir", __wasi_fd_readdir(bad, (uint8_t *)buf, sizeof buf, 0, &n));

    /* file ops on a directory fd, dir ops on a file fd */
    __wasi_fd_t dir;
    report("open dir for writing", open_at(ROOT, "w", __WASI_OFLAGS_DIRECTORY, 0, &dir));
    report("open dir", open_dir(ROOT, "w", &dir));
    report("write on dir", __wasi_fd_write(dir, &pw, 1, &n));
    report("fdstat dir", __wasi_fd_fdstat_get(dir, &fst));
    printf("  type %s\n", filetype_name(fst.fs_filetype));
    report("open file", open_at(ROOT, "w/log", 0, 0, &fd));
    report("readdir on file", __wasi_fd_readdir(fd, (uint8_t *)buf, sizeof buf, 0, &n));
    report("path_open relative to file", open_at(fd, "x", 0, 0, &fd2));
    return 0;
}
