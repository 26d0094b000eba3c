/* The same ground through POSIX libc calls as real programs use them: stdio streams,
 * open/lseek/read/write, stat, rename, unlink, link, symlink/readlink, mkdir/rmdir,
 * opendir/readdir, chdir/getcwd with relative paths, truncate, utimensat and errno. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void check(const char *label, int result) {
    if (result < 0)
        printf("%s: -1 errno %d (%s)\n", label, errno, strerror(errno));
    else
        printf("%s: %d\n", label, result);
}

static int compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path) {
    DIR *dir = opendir(path);
    if (!dir) {
        printf("opendir %s: errno %d (%s)\n", path, errno, strerror(errno));
        return;
    }
    char *names[64];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && count < 64)
        if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
            names[count++] = strdup(entry->d_name);
    closedir(dir);
    qsort(names, count, sizeof names[0], compare);
    printf("ls %s:", path);
    for (int i = 0; i < count; i++)
        printf(" %s", names[i]);
    printf("\n");
}

static void show_stat(const char *path) {
    struct stat st;
    if (stat(path, &st) < 0) {
        printf("stat %s: errno %d (%s)\n", path, errno, strerror(errno));
        return;
    }
    printf("stat %s: %s size %lld nlink %lld\n", path,
           S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : S_ISLNK(st.st_mode) ? "link" : "other",
           S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_size,
           S_ISDIR(st.st_mode) ? 0LL : (long long)st.st_nlink);
}

int main(void) {
    check("mkdir /work", mkdir("/work", 0755));
    check("mkdir /work again", mkdir("/work", 0755));
    check("chdir /work", chdir("/work"));
    char cwd[256];
    printf("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "(null)");

    FILE *f = fopen("notes.txt", "w");
    printf("fopen w: %s\n", f ? "ok" : strerror(errno));
    fprintf(f, "line %d\nline %d\n", 1, 2);
    fclose(f);
    f = fopen("notes.txt", "a+");
    fputs("line 3\n", f);
    fseek(f, 0, SEEK_SET);
    char line[64];
    while (fgets(line, sizeof line, f))
        printf("fgets: %s", line);
    printf("ftell at end: %ld\n", ftell(f));
    fclose(f);
    printf("fopen missing: %s\n", fopen("missing.txt", "r") ? "opened" : strerror(errno));

    int fd = open("data.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    check("open data.bin", fd >= 0 ? 0 : -1);
    check("write", (int)write(fd, "abcdef", 6));
    check("lseek end+4", (int)lseek(fd, 4, SEEK_END));
    check("write after hole", (int)write(fd, "Z", 1));
    check("lseek set 0", (int)lseek(fd, 0, SEEK_SET));
    char buf[32];
    int n = (int)read(fd, buf, sizeof buf);
    printf("read %d:", n);
    for (int i = 0; i < n; i++)
        printf(" %02x", (unsigned char)buf[i]);
    printf("\n");
    check("pread 2@3", (int)pread(fd, buf, 2, 3));
    printf("pread data: %.2s\n", buf);
    check("ftruncate 3", ftruncate(fd, 3));
    struct stat st;
    fstat(fd, &st);
    printf("fstat size %lld\n", (long long)st.st_size);
    check("close", close(fd));
    check("close again", close(fd));
    check("open O_EXCL existing", open("data.bin", O_CREAT | O_EXCL | O_WRONLY, 0644));
    check("open O_DIRECTORY on file", open("data.bin", O_RDONLY | O_DIRECTORY));
    check("open dir O_RDWR", open(".", O_RDWR));

    check("link", link("data.bin", "data.link"));
    show_stat("data.bin");
    check("symlink", symlink("data.bin", "data.sym"));
    char target[64];
    n = (int)readlink("data.sym", target, sizeof target);
    printf("readlink: %.*s\n", n > 0 ? n : 0, target);
    struct stat lst;
    check("lstat data.sym", lstat("data.sym", &lst));
    printf("lstat is link: %s\n", S_ISLNK(lst.st_mode) ? "yes" : "no");
    check("rename notes.txt -> sub/notes.txt (no sub)", rename("notes.txt", "sub/notes.txt"));
    check("mkdir sub", mkdir("sub", 0755));
    check("rename notes.txt -> sub/notes.txt", rename("notes.txt", "sub/notes.txt"));
    check("rmdir sub (not empty)", rmdir("sub"));
    check("unlink sub (a dir)", unlink("sub"));
    list(".");
    list("sub");
    check("chdir sub", chdir("sub"));
    show_stat("../data.link");
    show_stat("notes.txt");
    check("access notes.txt R_OK", access("notes.txt", R_OK));
    check("access missing", access("missing", F_OK));
    printf("getcwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "(null)");
    check("chdir ..", chdir(".."));
    check("chdir data.bin", chdir("data.bin"));
    check("truncate data.link 1", truncate("data.link", 1));
    show_stat("data.bin");

    struct timespec times[2] = {{100, 0}, {200, 500}};
    check("utimensat", utimensat(AT_FDCWD, "data.bin", times, 0));
    stat("data.bin", &st);
    printf("mtime %lld.%09ld atime %lld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
           (long long)st.st_atim.tv_sec);

    check("unlink data.sym", unlink("data.sym"));
    check("unlink data.link", unlink("data.link"));
    check("remove sub/notes.txt", remove("sub/notes.txt"));
    check("rmdir sub", rmdir("sub"));
    list("/work");
    return 42;
}
