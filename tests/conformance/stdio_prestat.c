/* The standard streams and the preopen: stdin read to EOF and echoed (upper-cased) to
 * stdout, stderr written, none of them a terminal when redirected (isatty decides
 * colours and prompts in real programs), fd_prestat_get / fd_prestat_dir_name
 * for the root preopen (fd 3) and for fds that are not preopens. */
#include <unistd.h>

#include "conformance.h"

int main(void) {
    char buf[256];
    size_t total = 0, n;
    while ((n = read_some(0, buf + total, sizeof buf - total)) > 0)
        total += n;
    print_bytes("stdin", buf, total);
    for (size_t i = 0; i < total; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] -= 32;
    fflush(stdout);
    report("write stdout", write_all(1, buf, total));
    report("write stderr", write_all(2, "to stderr\n", 10));
    printf("read at eof: %u\n", (unsigned)read_some(0, buf, sizeof buf));

    __wasi_fdstat_t st;
    report("fdstat stdout", __wasi_fd_fdstat_get(1, &st));
    printf("isatty stdin %d stdout %d stderr %d\n", isatty(0), isatty(1), isatty(2));

    __wasi_prestat_t pre;
    if (report("prestat_get 3", __wasi_fd_prestat_get(ROOT, &pre)) == 0)
        printf("  tag %u name_len %u\n", pre.tag, (unsigned)pre.u.dir.pr_name_len);
    memset(buf, '#', sizeof buf);
    report("prestat_dir_name 3", __wasi_fd_prestat_dir_name(ROOT, (uint8_t *)buf,
                                                            pre.u.dir.pr_name_len));
    print_bytes("  name", buf, pre.u.dir.pr_name_len + 1);
    report("prestat_get stdin", __wasi_fd_prestat_get(0, &pre));
    report("prestat_get 4", __wasi_fd_prestat_get(4, &pre));

    __wasi_fd_t fd;
    make_file("plain", "x");
    report("open plain", open_at(ROOT, "plain", 0, 0, &fd));
    printf("  fd is the lowest free: %s\n", fd == 4 ? "yes" : "no");
    report("prestat_get on opened file", __wasi_fd_prestat_get(fd, &pre));
    __wasi_fd_t dir;
    report("mkdir sub", __wasi_path_create_directory(ROOT, "sub"));
    report("open sub", open_dir(ROOT, "sub", &dir));
    report("prestat_get on opened dir", __wasi_fd_prestat_get(dir, &pre));
    report("close preopen", __wasi_fd_close(ROOT));
    report("prestat_get closed preopen", __wasi_fd_prestat_get(ROOT, &pre));
    report("open after closing preopen", open_at(ROOT, "plain", 0, 0, &fd));
    return 0;
}
