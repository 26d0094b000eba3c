/* libwasmux: open with O_CLOEXEC, pipes, descriptor duplication, fcntl, ioctl and the
   terminal calls built on ioctl (termios, foreground process group). */
#define WASMUX_BUILDING_LIBRARY 1
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <wasmux/fd.h>

#include "internal.h"

/* open and openat pass O_CLOEXEC and the creation mode to the kernel (create.c). */
int __wasmux_libc_open(const char *path, int flags, ...) {
    va_list list;
    va_start(list, flags);
    int mode = flags & O_CREAT ? va_arg(list, int) : 0;
    va_end(list);
    return __wasmux_open_mode(AT_FDCWD, path, flags, (unsigned int)mode);
}

int __wasmux_libc_openat(int fd, const char *path, int flags, ...) {
    va_list list;
    va_start(list, flags);
    int mode = flags & O_CREAT ? va_arg(list, int) : 0;
    va_end(list);
    return __wasmux_open_mode(fd, path, flags, (unsigned int)mode);
}

int pipe2(int fds[2], int flags) {
    uint32_t read_fd, write_fd;
    if (__wasmux_status(__wasmux_pipe2((uint32_t)flags, &read_fd, &write_fd)))
        return -1;
    fds[0] = (int)read_fd;
    fds[1] = (int)write_fd;
    return 0;
}

int pipe(int fds[2]) {
    return pipe2(fds, 0);
}

int dup(int fd) {
    uint32_t newfd;
    if (__wasmux_status(__wasmux_dup((uint32_t)fd, &newfd)))
        return -1;
    return (int)newfd;
}

int dup3(int fd, int newfd, int flags) {
    if (fd == newfd) {
        errno = EINVAL;
        return -1;
    }
    if (__wasmux_status(__wasmux_dup3((uint32_t)fd, (uint32_t)newfd, (uint32_t)flags)))
        return -1;
    return newfd;
}

/* dup2 of a descriptor onto itself only checks that it is open. */
int dup2(int fd, int newfd) {
    if (fd == newfd)
        return fcntl(fd, F_GETFD) < 0 ? -1 : fd;
    return dup3(fd, newfd, 0);
}

int fcntl(int fd, int command, ...) {
    va_list list;
    va_start(list, command);
    int argument = va_arg(list, int);
    va_end(list);
    uint32_t result;
    if (__wasmux_status(__wasmux_fcntl((uint32_t)fd, (uint32_t)command, argument, &result)))
        return -1;
    return (int)result;
}

/* The size of the structure a request's argument points to (0: an int by value). */
static size_t argument_size(int request) {
    switch (request) {
    case TCGETS: case TCSETS: case TCSETSW: case TCSETSF:
        return sizeof(struct termios);
    case TIOCGWINSZ: case TIOCSWINSZ:
        return sizeof(struct winsize);
    case TIOCGPGRP: case TIOCSPGRP: case FIONREAD: case FIONBIO: case TIOCOUTQ:
    case TIOCGPTN: case TIOCSPTLCK: case TIOCGPTLCK: case TIOCGSID:
        return sizeof(int);
    default:
        return 0;
    }
}

/* Requests whose argument is an int passed by value: the kernel gets its bytes. */
static int by_value(int request) {
    return request == TCFLSH || request == TCXONC || request == TCSBRK || request == TCSBRKP
        || request == TIOCSCTTY;
}

int ioctl(int fd, int request, ...) {
    va_list list;
    va_start(list, request);
    void *argument = va_arg(list, void *);
    va_end(list);
    int value = (int)(intptr_t)argument;
    size_t size = argument_size(request);
    if (by_value(request)) {
        argument = &value;
        size = sizeof value;
    }
    uint32_t result;
    int32_t error = __wasmux_ioctl((uint32_t)fd, (uint32_t)request, size ? argument : NULL,
                                   size, &result);
    if (__wasmux_status(error))
        return -1;
    return (int)result;
}

int tcgetattr(int fd, struct termios *attributes) {
    return ioctl(fd, TCGETS, attributes);
}

int tcsetattr(int fd, int when, const struct termios *attributes) {
    if (when < TCSANOW || when > TCSAFLUSH) {
        errno = EINVAL;
        return -1;
    }
    return ioctl(fd, TCSETS + when, attributes);
}

pid_t tcgetpgrp(int fd) {
    int pgid;
    if (ioctl(fd, TIOCGPGRP, &pgid) < 0)
        return -1;
    return pgid;
}

int tcsetpgrp(int fd, pid_t pgid) {
    int value = pgid;
    return ioctl(fd, TIOCSPGRP, &value);
}

/* The terminal's path, from the kernel's /proc/self/fd/N link. */
int ttyname_r(int fd, char *name, size_t size) {
    if (!isatty(fd))
        return errno == EBADF ? EBADF : ENOTTY;
    char link[32];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, name, size);
    if (length < 0)
        return errno;
    if ((size_t)length >= size)
        return ERANGE;
    name[length] = '\0';
    return 0;
}

char *ttyname(int fd) {
    static char name[64];
    int error = ttyname_r(fd, name, sizeof name);
    if (error) {
        errno = error;
        return NULL;
    }
    return name;
}
