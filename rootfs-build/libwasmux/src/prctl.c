/* libwasmux: prctl's PR_SET_NAME and PR_GET_NAME, through the kernel's writable
   /proc/self/comm (the command name, at most 15 bytes, read back with a newline).
   Any other option fails with EINVAL. */
#define WASMUX_BUILDING_LIBRARY 1
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "internal.h"

enum { COMM_SIZE = 16 };

static int set_name(const char *name) {
    int fd = open("/proc/self/comm", O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t written = write(fd, name, strnlen(name, COMM_SIZE - 1));
    close(fd);
    return written < 0 ? -1 : 0;
}

static int get_name(char *name) {
    char buffer[COMM_SIZE + 1];
    int fd = open("/proc/self/comm", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t got = read(fd, buffer, sizeof buffer);
    close(fd);
    if (got < 0)
        return -1;
    size_t length = (size_t)got;
    if (length && buffer[length - 1] == '\n')
        length--;
    if (length > COMM_SIZE - 1)
        length = COMM_SIZE - 1;
    memcpy(name, buffer, length);
    memset(name + length, 0, COMM_SIZE - length);
    return 0;
}

int prctl(int option, ...) {
    va_list arguments;
    va_start(arguments, option);
    unsigned long argument = va_arg(arguments, unsigned long);
    va_end(arguments);
    if (option == PR_SET_NAME)
        return set_name((const char *)argument);
    if (option == PR_GET_NAME)
        return get_name((char *)argument);
    errno = EINVAL;
    return -1;
}
