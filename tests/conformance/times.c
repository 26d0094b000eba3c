/* File times: setting atime/mtime to given values and to "now" through a path and an
 * fd, conflicting flags, and a write moving mtime forward. Prints only exact values the
 * program chose, or relations with the realtime clock. */
#include "conformance.h"

static __wasi_timestamp_t now(void) {
    __wasi_timestamp_t t = 0;
    __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t);
    return t;
}

static __wasi_filestat_t stat_of(const char *path) {
    __wasi_filestat_t st;
    memset(&st, 0, sizeof st);
    report("stat", __wasi_path_filestat_get(ROOT, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, &st));
    return st;
}

int main(void) {
    const __wasi_timestamp_t second = 1000000000ull;
    __wasi_timestamp_t before = now();
    make_file("t", "x");
    __wasi_filestat_t st = stat_of("t");
    /* the host's clock and the file system's may be a tick apart: allow a second */
    yesno("new file mtime near now", st.mtim + second >= before && st.mtim <= now() + second);

    report("set both", __wasi_path_filestat_set_times(ROOT, 0, "t", 1000 * second + 5,
           2000 * second + 7, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    st = stat_of("t");
    printf("atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);

    report("set mtime only", __wasi_path_filestat_set_times(ROOT, 0, "t", 0, 3000 * second,
           __WASI_FSTFLAGS_MTIM));
    st = stat_of("t");
    printf("atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);

    before = now();
    report("set mtime now", __wasi_path_filestat_set_times(ROOT, 0, "t", 0, 0,
           __WASI_FSTFLAGS_MTIM_NOW));
    st = stat_of("t");
    yesno("mtime advanced to now", st.mtim + second >= before && st.mtim <= now() + second);
    printf("atim kept %llu\n", (unsigned long long)st.atim);

    report("set atim and atim_now", __wasi_path_filestat_set_times(ROOT, 0, "t", 5, 0,
           __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW));
    report("set mtim and mtim_now", __wasi_path_filestat_set_times(ROOT, 0, "t", 0, 5,
           __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    report("set times missing", __wasi_path_filestat_set_times(ROOT, 0, "missing", 0, 0,
           __WASI_FSTFLAGS_MTIM_NOW));

    __wasi_fd_t fd;
    report("open t", open_at(ROOT, "t", 0, 0, &fd));
    report("fd set both", __wasi_fd_filestat_set_times(fd, 11 * second, 22 * second,
           __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    report("fstat", __wasi_fd_filestat_get(fd, &st));
    printf("atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);
    before = now();
    report("fd set atime now", __wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_ATIM_NOW));
    report("fstat", __wasi_fd_filestat_get(fd, &st));
    yesno("atime advanced to now", st.atim + second >= before);
    printf("mtim kept %llu\n", (unsigned long long)st.mtim);
    report("fd set conflicting", __wasi_fd_filestat_set_times(fd, 1, 1,
           __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW));
    report("write", write_all(fd, "more", 4));
    report("fstat", __wasi_fd_filestat_get(fd, &st));
    yesno("write moved mtime forward", st.mtim > 22 * second);
    __wasi_fd_close(fd);

    report("mkdir dir", __wasi_path_create_directory(ROOT, "dir"));
    report("set dir times", __wasi_path_filestat_set_times(ROOT, 0, "dir", 7 * second,
           8 * second, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
    st = stat_of("dir");
    printf("dir atim %llu mtim %llu\n", (unsigned long long)st.atim, (unsigned long long)st.mtim);
    make_file("dir/child", "");
    st = stat_of("dir");
    yesno("creating an entry moved the dir mtime", st.mtim > 8 * second);
    return 0;
}
