/* libwasmux: POSIX calls Wasmux does not provide yet. Each fails with ENOSYS (or the
   call's documented "not found" result), never pretending success: file ownership
   and device nodes, the host name and clock setting, system statistics, and sockets
   and name resolution (AF_UNIX sockets are to come through the wasmux ABI). */
#define WASMUX_BUILDING_LIBRARY 1
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int unsupported(void) {
    errno = ENOSYS;
    return -1;
}

int chown(const char *path, uid_t owner, gid_t group) {
    (void)path, (void)owner, (void)group;
    return unsupported();
}

int lchown(const char *path, uid_t owner, gid_t group) {
    (void)path, (void)owner, (void)group;
    return unsupported();
}

int fchown(int fd, uid_t owner, gid_t group) {
    (void)fd, (void)owner, (void)group;
    return unsupported();
}

int fchownat(int fd, const char *path, uid_t owner, gid_t group, int flags) {
    (void)fd, (void)path, (void)owner, (void)group, (void)flags;
    return unsupported();
}

int mknod(const char *path, mode_t mode, dev_t device) {
    (void)path, (void)mode, (void)device;
    return unsupported();
}

int sethostname(const char *name, size_t length) {
    (void)name, (void)length;
    return unsupported();
}

int clock_settime(clockid_t clock, const struct timespec *time) {
    (void)clock, (void)time;
    return unsupported();
}

int sysinfo(struct sysinfo *info) {
    (void)info;
    return unsupported();
}

int socket(int domain, int type, int protocol) {
    (void)domain, (void)type, (void)protocol;
    return unsupported();
}

int socketpair(int domain, int type, int protocol, int fds[2]) {
    (void)domain, (void)type, (void)protocol, (void)fds;
    return unsupported();
}

int connect(int fd, const struct sockaddr *address, socklen_t length) {
    (void)fd, (void)address, (void)length;
    return unsupported();
}

int bind(int fd, const struct sockaddr *address, socklen_t length) {
    (void)fd, (void)address, (void)length;
    return unsupported();
}

int listen(int fd, int backlog) {
    (void)fd, (void)backlog;
    return unsupported();
}

int getsockname(int fd, struct sockaddr *restrict address, socklen_t *restrict length) {
    (void)fd, (void)address, (void)length;
    return unsupported();
}

int getpeername(int fd, struct sockaddr *restrict address, socklen_t *restrict length) {
    (void)fd, (void)address, (void)length;
    return unsupported();
}

ssize_t sendto(int fd, const void *data, size_t size, int flags,
               const struct sockaddr *address, socklen_t length) {
    (void)fd, (void)data, (void)size, (void)flags, (void)address, (void)length;
    return unsupported();
}

ssize_t recvfrom(int fd, void *restrict data, size_t size, int flags,
                 struct sockaddr *restrict address, socklen_t *restrict length) {
    (void)fd, (void)data, (void)size, (void)flags, (void)address, (void)length;
    return unsupported();
}

int setsockopt(int fd, int level, int name, const void *value, socklen_t length) {
    (void)fd, (void)level, (void)name, (void)value, (void)length;
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
