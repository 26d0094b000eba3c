/* File creation modes and ownership through libwasmux: prints, one line each, the mode
   a creating call gave its file (octal, as stat reports it) or what an ownership call
   answered. Works in a new directory /filetest (tests/native/test_file_modes.py). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show_mode(const char *what, const char *path) {
    struct stat status;
    if (lstat(path, &status) != 0)
        printf("%s: %s\n", what, strerror(errno));
    else
        printf("%s %o\n", what, (unsigned)(status.st_mode & 07777));
}

static void show_result(const char *what, int result) {
    printf("%s %s\n", what, result == 0 ? "ok" : strerror(errno));
}

int main(void) {
    umask(022);
    if (mkdir("/filetest", 0755) != 0 || chdir("/filetest") != 0) {
        perror("/filetest");
        return 1;
    }
    close(open("open", O_WRONLY | O_CREAT | O_EXCL, 0750));
    show_mode("open", "open");
    close(open("open", O_WRONLY | O_CREAT, 0777));
    show_mode("reopen", "open");
    close(creat("creat", 0640));
    show_mode("creat", "creat");
    fclose(fopen("fopen", "w"));
    show_mode("fopen", "fopen");
    mkdir("dir", 0700);
    show_mode("mkdir", "dir");
    int directory = open("dir", O_RDONLY | O_DIRECTORY);
    mkdirat(directory, "sticky", 03777);
    show_mode("mkdirat", "dir/sticky");
    close(openat(directory, "inside", O_RDWR | O_CREAT, 0604));
    show_mode("openat", "dir/inside");
    umask(077);
    close(open("private", O_WRONLY | O_CREAT, 0666));
    show_mode("umask", "private");
    char template[] = "tmpXXXXXX";
    close(mkstemp(template));
    show_mode("mkstemp", template);

    int fd = open("open", O_RDONLY | O_CLOEXEC);
    printf("cloexec %d\n", (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    show_result("chown root", chown("open", 0, 0));
    show_result("chown unchanged", chown("open", (uid_t)-1, (gid_t)-1));
    show_result("chown user", chown("open", 1000, (gid_t)-1));
    show_result("chown missing", chown("missing", 0, 0));
    show_result("lchown group", lchown("open", 0, 100));
    show_result("fchown root", fchown(fd, 0, 0));
    show_result("fchown closed", fchown(99, 0, 0));
    return 0;
}
