/* libwasmux: POSIX calls Wasmux does not provide yet. Each fails with ENOSYS (or the
   call's documented "not found" result), never pretending success: device nodes,
   clock setting, and name resolution (there is no network; AF_UNIX sockets are in
   socket.c). */
#define WASMUX_BUILDING_LIBRARY 1
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int unsupported(void) {
    errno = ENOSYS;
    return -1;
}

int mknod(const char *path, mode_t mode, dev_t device) {
    (void)path, (void)mode, (void)device;
    return unsupported();
}

int clock_settime(clockid_t clock, const struct timespec *time) {
    (void)clock, (void)time;
    return unsupported();
}

/* Name resolution: no resolver, so every name is unknown. */
static int host_error;

int *__h_errno_location(void) {
    return &host_error;
}

struct hostent *gethostbyname(const char *name) {
    (void)name;
    host_error = HOST_NOT_FOUND;
    return NULL;
}

/* The dotted-quad text of an IPv4 address, in static storage. */
char *inet_ntoa(struct in_addr address) {
    static char text[16];
    const unsigned char *bytes = (const unsigned char *)&address.s_addr;
    snprintf(text, sizeof text, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
    return text;
}

const char *hstrerror(int error) {
    return error == HOST_NOT_FOUND ? "Unknown host" : "Name resolution is not supported";
}
