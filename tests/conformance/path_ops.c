/* The path_* calls and their errors: create/remove directories, unlink, open flags,
 * trailing slashes, "..", hard links and nlink, renames (over files, over an open
 * file, directory cases), unlink of an open file, symlinks, readlink and loops. */
#include "conformance.h"

static void stat_path(const char *label, __wasi_lookupflags_t flags, const char *path) {
    __wasi_filestat_t st;
    __wasi_errno_t e = __wasi_path_filestat_get(ROOT, flags, path, &st);
    /* A directory's size and link count depend on the filesystem: only its type counts. */
    if (e)
        report(label, e);
    else if (st.filetype == __WASI_FILETYPE_DIRECTORY)
        printf("%s: type dir\n", label);
    else
        printf("%s: type %s size %llu nlink %llu\n", label, filetype_name(st.filetype),
               (unsigned long long)st.size, (unsigned long long)st.nlink);
}

static void cat(const char *label, __wasi_fd_t fd) {
    char buf[128];
    __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf};
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_fd_pread(fd, &iov, 1, 0, &n);
    if (e)
        report(label, e);
    else
        print_bytes(label, buf, n);
}

static void cat_path(const char *label, const char *path) {
    __wasi_fd_t fd;
    __wasi_errno_t e = open_at(ROOT, path, 0, 0, &fd);
    if (e) {
        report(label, e);
        return;
    }
    cat(label, fd);
    __wasi_fd_close(fd);
}

static void readlink_path(const char *label, const char *path, size_t cap) {
    char buf[128];
    __wasi_size_t n = 0;
    __wasi_errno_t e = __wasi_path_readlink(ROOT, path, (uint8_t *)buf, cap, &n);
    if (e)
        report(label, e);
    else
        print_bytes(label, buf, n);
}

int main(void) {
    __wasi_fd_t fd, fd2;

    /* directories */
    report("mkdir p", __wasi_path_create_directory(ROOT, "p"));
    report("mkdir p again", __wasi_path_create_directory(ROOT, "p"));
    report("mkdir p/a", __wasi_path_create_directory(ROOT, "p/a"));
    report("mkdir missing parent", __wasi_path_create_directory(ROOT, "p/nope/x"));
    report("mkdir trailing slash", __wasi_path_create_directory(ROOT, "p/b/"));
    stat_path("stat p/b", 0, "p/b");
    make_file("p/file", "data");
    report("mkdir over file", __wasi_path_create_directory(ROOT, "p/file"));
    report("mkdir under file", __wasi_path_create_directory(ROOT, "p/file/x"));
    make_file("p/a/inner", "inner");
    report("rmdir not empty", __wasi_path_remove_directory(ROOT, "p/a"));
    report("rmdir file", __wasi_path_remove_directory(ROOT, "p/file"));
    report("rmdir missing", __wasi_path_remove_directory(ROOT, "p/missing"));
    report("rmdir", __wasi_path_remove_directory(ROOT, "p/b"));
    stat_path("stat removed p/b", 0, "p/b");
    report("unlink dir", __wasi_path_unlink_file(ROOT, "p/a"));
    report("unlink missing", __wasi_path_unlink_file(ROOT, "p/missing"));
    report("unlink file trailing slash", __wasi_path_unlink_file(ROOT, "p/file/"));

    /* open flags */
    report("open missing", open_at(ROOT, "p/missing", 0, 0, &fd));
    report("open creat|excl existing",
           open_at(ROOT, "p/file", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd));
    report("open creat|excl new",
           open_at(ROOT, "p/new", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd));
    __wasi_fd_close(fd);
    report("open directory flag on file", open_at(ROOT, "p/file", __WASI_OFLAGS_DIRECTORY, 0, &fd));
    report("open file with trailing slash", open_at(ROOT, "p/file/", 0, 0, &fd));
    report("open through file", open_at(ROOT, "p/file/x", 0, 0, &fd));
    report("create in missing dir", open_at(ROOT, "p/none/x", __WASI_OFLAGS_CREAT, 0, &fd));
    report("open dir trailing slash", open_dir(ROOT, "p/a/", &fd));
    __wasi_fd_close(fd);
    report("open dir read-only without directory flag",
           __wasi_path_open(ROOT, 0, "p/a", 0, RIGHTS_ALL & ~R_WRITE, RIGHTS_ALL, 0, &fd));
    __wasi_fdstat_t fst;
    report("  fdstat", __wasi_fd_fdstat_get(fd, &fst));
    printf("  type %s\n", filetype_name(fst.fs_filetype));
    __wasi_fd_close(fd);

    /* dot and dot-dot inside the tree */
    cat_path("read p/a/../file", "p/a/../file");
    cat_path("read ./p/./a/inner", "./p/./a/inner");
    cat_path("read p/a/../a/../a/inner", "p/a/../a/../a/inner");
    stat_path("stat .", 0, ".");
    stat_path("stat p/..", 0, "p/..");
    cat_path("read p//file", "p//file");
    report("open dir-relative", open_dir(ROOT, "p/a", &fd));
    __wasi_fd_t a = fd;
    report("  open inner from p/a", open_at(a, "inner", 0, 0, &fd));
    cat("  content", fd);
    __wasi_fd_close(fd);
    report("  mkdir sub from p/a", __wasi_path_create_directory(a, "sub"));
    stat_path("stat p/a/sub", 0, "p/a/sub");
    report("mkdir p/c", __wasi_path_create_directory(ROOT, "p/c"));

    /* hard links */
    report("link", __wasi_path_link(ROOT, 0, "p/file", ROOT, "p/hard"));
    stat_path("stat file after link", 0, "p/file");
    stat_path("stat hard", 0, "p/hard");
    __wasi_filestat_t s1, s2, s3;
    __wasi_path_filestat_get(ROOT, 0, "p/file", &s1);
    __wasi_path_filestat_get(ROOT, 0, "p/hard", &s2);
    __wasi_path_filestat_get(ROOT, 0, "p/new", &s3);
    yesno("hard link shares the inode", s1.ino == s2.ino && s1.dev == s2.dev);
    yesno("other file has another inode", s1.ino != s3.ino);
    report("open hard", open_at(ROOT, "p/hard", 0, 0, &fd));
    __wasi_fd_filestat_get(fd, &s3);
    yesno("fd and path stat agree", s3.ino == s1.ino && s3.dev == s1.dev && s3.nlink == 2);
    __wasi_fd_close(fd);
    report("link over existing", __wasi_path_link(ROOT, 0, "p/file", ROOT, "p/new"));
    report("link missing source", __wasi_path_link(ROOT, 0, "p/missing", ROOT, "p/x"));
    report("link into missing dir", __wasi_path_link(ROOT, 0, "p/file", ROOT, "p/none/x"));
    report("link relative to dir fd", __wasi_path_link(a, 0, "inner", ROOT, "p/inner2"));
    stat_path("stat inner2", 0, "p/inner2");
    report("unlink hard", __wasi_path_unlink_file(ROOT, "p/hard"));
    stat_path("stat file after unlink of link", 0, "p/file");

    /* unlink of an open file: still readable and writable through the fd */
    make_file("p/doomed", "still here");
    report("open doomed", open_at(ROOT, "p/doomed", 0, 0, &fd));
    report("unlink doomed", __wasi_path_unlink_file(ROOT, "p/doomed"));
    stat_path("stat doomed", 0, "p/doomed");
    cat("read unlinked", fd);
    __wasi_filestat_t st;
    report("fstat unlinked", __wasi_fd_filestat_get(fd, &st));
    printf("  nlink %llu size %llu\n", (unsigned long long)st.nlink, (unsigned long long)st.size);
    report("write unlinked", write_all(fd, "!", 1));
    cat("read unlinked again", fd);
    __wasi_fd_close(fd);
    report("recreate doomed", open_at(ROOT, "p/doomed", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, 0, &fd));
    stat_path("stat recreated", 0, "p/doomed");
    __wasi_fd_close(fd);

    /* renames */
    make_file("p/r1", "first");
    make_file("p/r2", "second");
    report("open r2", open_at(ROOT, "p/r2", 0, 0, &fd2));
    report("rename r1 over r2", __wasi_path_rename(ROOT, "p/r1", ROOT, "p/r2"));
    stat_path("stat r1", 0, "p/r1");
    cat_path("read r2 by path", "p/r2");
    cat("read old r2 through open fd", fd2);
    __wasi_fd_close(fd2);
    report("rename missing", __wasi_path_rename(ROOT, "p/missing", ROOT, "p/x"));
    report("rename to itself", __wasi_path_rename(ROOT, "p/r2", ROOT, "p/r2"));
    cat_path("read r2 after self-rename", "p/r2");
    report("rename file over dir", __wasi_path_rename(ROOT, "p/r2", ROOT, "p/c"));
    report("rename dir over file", __wasi_path_rename(ROOT, "p/c", ROOT, "p/r2"));
    report("rename dir over non-empty dir", __wasi_path_rename(ROOT, "p/c", ROOT, "p/a"));
    report("mkdir p/d", __wasi_path_create_directory(ROOT, "p/d"));
    report("rename dir over empty dir", __wasi_path_rename(ROOT, "p/c", ROOT, "p/d"));
    stat_path("stat p/c", 0, "p/c");
    stat_path("stat p/d", 0, "p/d");
    report("rename dir into itself", __wasi_path_rename(ROOT, "p/d", ROOT, "p/d/sub"));
    report("rename across dirs", __wasi_path_rename(ROOT, "p/r2", a, "moved"));
    cat_path("read p/a/moved", "p/a/moved");
    report("rename dir with trailing slash", __wasi_path_rename(ROOT, "p/d/", ROOT, "p/e/"));
    stat_path("stat p/e", 0, "p/e");
    report("rename file with trailing slash", __wasi_path_rename(ROOT, "p/a/moved/", ROOT, "p/m"));
    report("rename into missing dir", __wasi_path_rename(ROOT, "p/a/moved", ROOT, "p/none/m"));
    __wasi_fd_close(a);

    /* symlinks */
    report("symlink", __wasi_path_symlink("file", ROOT, "p/sym"));
    report("symlink exists", __wasi_path_symlink("file", ROOT, "p/sym"));
    report("symlink over file", __wasi_path_symlink("x", ROOT, "p/file"));
    readlink_path("readlink", "p/sym", 128);
    readlink_path("readlink short buffer", "p/sym", 2);
    readlink_path("readlink on file", "p/file", 128);
    readlink_path("readlink missing", "p/missing", 128);
    stat_path("stat sym follow", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "p/sym");
    stat_path("stat sym nofollow", 0, "p/sym");
    cat_path("read through sym", "p/sym");
    report("symlink to dir", __wasi_path_symlink("a", ROOT, "p/dirsym"));
    cat_path("read through dir symlink", "p/dirsym/inner");
    stat_path("stat dirsym/ follow", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "p/dirsym/");
    report("dangling symlink", __wasi_path_symlink("nowhere", ROOT, "p/dangling"));
    stat_path("stat dangling follow", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "p/dangling");
    stat_path("stat dangling nofollow", 0, "p/dangling");
    report("open dangling", open_at(ROOT, "p/dangling", 0, 0, &fd));
    report("loop1", __wasi_path_symlink("loop2", ROOT, "p/loop1"));
    report("loop2", __wasi_path_symlink("loop1", ROOT, "p/loop2"));
    report("open loop", open_at(ROOT, "p/loop1", 0, 0, &fd));
    stat_path("stat loop follow", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "p/loop1");
    stat_path("stat loop nofollow", 0, "p/loop1");
    report("open through loop", open_at(ROOT, "p/loop1/x", 0, 0, &fd));
    report("self", __wasi_path_symlink("self", ROOT, "p/self"));
    report("open self", open_at(ROOT, "p/self", 0, 0, &fd));
    report("open sym nofollow",
           __wasi_path_open(ROOT, 0, "p/sym", 0, RIGHTS_ALL, RIGHTS_ALL, 0, &fd));
    report("rename symlink", __wasi_path_rename(ROOT, "p/sym", ROOT, "p/sym2"));
    readlink_path("readlink renamed", "p/sym2", 128);
    report("unlink symlink", __wasi_path_unlink_file(ROOT, "p/sym2"));
    stat_path("target survives", 0, "p/file");
    report("unlink dir symlink", __wasi_path_unlink_file(ROOT, "p/dirsym"));
    stat_path("dir survives", 0, "p/a");
    report("rmdir symlink", __wasi_path_remove_directory(ROOT, "p/dangling"));
    report("chain1", __wasi_path_symlink("a/inner", ROOT, "p/chain1"));
    report("chain2", __wasi_path_symlink("chain1", ROOT, "p/chain2"));
    cat_path("read through chain", "p/chain2");
    report("link to symlink nofollow", __wasi_path_link(ROOT, 0, "p/chain1", ROOT, "p/chainlink"));
    stat_path("stat chainlink nofollow", 0, "p/chainlink");
    return 3;
}
