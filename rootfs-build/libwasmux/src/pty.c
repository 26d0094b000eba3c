/* libwasmux: pseudo-terminals over /dev/ptmx and the TIOCGPTN/TIOCSPTLCK ioctls. */
#define WASMUX_BUILDING_LIBRARY 1
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <wasmux/pty.h>

#include "internal.h"

int posix_openpt(int flags) {
    return open("/dev/ptmx", flags);
}

int grantpt(int fd) {
    return isatty(fd) ? 0 : -1;
}

int unlockpt(int fd) {
    int unlock = 0;
    return ioctl(fd, TIOCSPTLCK, &unlock);
}

int ptsname_r(int fd, char *name, size_t size) {
    int number;
    if (ioctl(fd, TIOCGPTN, &number) < 0)
        return errno;
    if ((size_t)snprintf(name, size, "/dev/pts/%d", number) >= size)
        return ERANGE;
    return 0;
}

char *ptsname(int fd) {
    static char name[32];
    int error = ptsname_r(fd, name, sizeof name);
    if (error) {
        errno = error;
        return NULL;
    }
    return name;
}

int openpty(int *master, int *slave, char *name, const struct termios *settings,
            const struct winsize *size) {
    char path[32];
    int controller = posix_openpt(O_RDWR | O_NOCTTY);
    if (controller < 0)
        return -1;
    if (unlockpt(controller) < 0 || ptsname_r(controller, path, sizeof path) != 0)
        goto failed;
    int terminal = open(path, O_RDWR | O_NOCTTY);
    if (terminal < 0)
        goto failed;
    if ((settings && tcsetattr(terminal, TCSANOW, settings) < 0)
        || (size && ioctl(terminal, TIOCSWINSZ, size) < 0)) {
        close(terminal);
        goto failed;
    }
    if (name)
        snprintf(name, sizeof path, "%s", path);
    *master = controller;
    *slave = terminal;
    return 0;
failed:
    close(controller);
    return -1;
}
