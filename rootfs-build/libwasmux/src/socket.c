/* libwasmux: AF_UNIX stream sockets over the kernel's socket calls (see
   <wasmux/socket.h>). Addresses cross the ABI as the bytes of sun_path; descriptors
   passed with SCM_RIGHTS as an array of u32. */
#define WASMUX_BUILDING_LIBRARY 1
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <wasmux/socket.h>

#include "internal.h"

/* Linux's limit on descriptors in one SCM_RIGHTS message. */
#define RIGHTS_MAX 253
#define PATH_OFFSET offsetof(struct sockaddr_un, sun_path)

/* The path an AF_UNIX address names, and its length; -1 with errno set if the address
   is not one (EAFNOSUPPORT for another family, EINVAL for an empty or abstract name). */
static int address_path(const struct sockaddr *address, socklen_t length, const char **path,
                        size_t *path_length) {
    if (address == NULL || length < PATH_OFFSET) {
        errno = EINVAL;
        return -1;
    }
    if (address->sa_family != AF_UNIX) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    const struct sockaddr_un *unix_address = (const struct sockaddr_un *)address;
    size_t room = length - PATH_OFFSET;
    if (room > sizeof unix_address->sun_path)
        room = sizeof unix_address->sun_path;
    *path = unix_address->sun_path;
    *path_length = strnlen(unix_address->sun_path, room);
    if (*path_length == 0) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

/* Store an AF_UNIX address for `path` (`used` bytes) in the caller's buffer, truncated
   to *length, and set *length to the address's full size (POSIX). */
static void store_address(struct sockaddr *address, socklen_t *length, const char *path,
                          size_t used) {
    if (address == NULL || length == NULL)
        return;
    struct sockaddr_un full;
    memset(&full, 0, sizeof full);
    full.sun_family = AF_UNIX;
    if (used > sizeof full.sun_path - 1)
        used = sizeof full.sun_path - 1;
    memcpy(full.sun_path, path, used);
    socklen_t size = (socklen_t)(PATH_OFFSET + (used ? used + 1 : 0));
    memcpy(address, &full, *length < size ? *length : size);
    *length = size;
}

int socket(int domain, int type, int protocol) {
    uint32_t fd;
    if (__wasmux_status(__wasmux_socket((uint32_t)domain, (uint32_t)type, (uint32_t)protocol,
                                        &fd)))
        return -1;
    return (int)fd;
}

int socketpair(int domain, int type, int protocol, int fds[2]) {
    uint32_t first, second;
    if (__wasmux_status(__wasmux_socketpair((uint32_t)domain, (uint32_t)type,
                                            (uint32_t)protocol, &first, &second)))
        return -1;
    fds[0] = (int)first;
    fds[1] = (int)second;
    return 0;
}

int bind(int fd, const struct sockaddr *address, socklen_t length) {
    const char *path;
    size_t path_length;
    if (address_path(address, length, &path, &path_length) < 0)
        return -1;
    return __wasmux_status(__wasmux_bind((uint32_t)fd, path, path_length));
}

int connect(int fd, const struct sockaddr *address, socklen_t length) {
    const char *path;
    size_t path_length;
    if (address_path(address, length, &path, &path_length) < 0)
        return -1;
    return __wasmux_status(__wasmux_connect((uint32_t)fd, path, path_length));
}

int listen(int fd, int backlog) {
    return __wasmux_status(__wasmux_listen((uint32_t)fd, backlog));
}

int accept4(int fd, struct sockaddr *restrict address, socklen_t *restrict length, int flags) {
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    uint32_t newfd, used;
    if (__wasmux_status(__wasmux_accept4((uint32_t)fd, (uint32_t)flags, path, sizeof path,
                                         &newfd, &used)))
        return -1;
    store_address(address, length, path, used);
    return (int)newfd;
}

int accept(int fd, struct sockaddr *restrict address, socklen_t *restrict length) {
    return accept4(fd, address, length, 0);
}

static int name(int fd, struct sockaddr *restrict address, socklen_t *restrict length,
                int32_t (*call)(uint32_t, void *, size_t, uint32_t *)) {
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    uint32_t used;
    if (__wasmux_status(call((uint32_t)fd, path, sizeof path, &used)))
        return -1;
    store_address(address, length, path, used);
    return 0;
}

int getsockname(int fd, struct sockaddr *restrict address, socklen_t *restrict length) {
    return name(fd, address, length, __wasmux_getsockname);
}

int getpeername(int fd, struct sockaddr *restrict address, socklen_t *restrict length) {
    return name(fd, address, length, __wasmux_getpeername);
}

ssize_t sendmsg(int fd, const struct msghdr *message, int flags) {
    uint32_t rights[RIGHTS_MAX];
    size_t count = 0;
    for (struct cmsghdr *header = CMSG_FIRSTHDR(message); header != NULL;
         header = CMSG_NXTHDR(message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS ||
            header->cmsg_len < CMSG_LEN(0)) {
            errno = EINVAL;
            return -1;
        }
        size_t passed = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        if (count + passed > RIGHTS_MAX) {
            errno = EINVAL;
            return -1;
        }
        memcpy(rights + count, CMSG_DATA(header), passed * sizeof(int));
        count += passed;
    }
    uint32_t sent;
    if (__wasmux_status(__wasmux_sendmsg((uint32_t)fd, (const __wasi_ciovec_t *)message->msg_iov,
                                         (size_t)message->msg_iovlen, rights,
                                         count * sizeof *rights, (uint32_t)flags, &sent)))
        return -1;
    return (ssize_t)sent;
}

ssize_t recvmsg(int fd, struct msghdr *message, int flags) {
    uint32_t rights[RIGHTS_MAX];
    size_t room = 0;
    if (message->msg_control != NULL && message->msg_controllen >= CMSG_LEN(sizeof(int)))
        room = (message->msg_controllen - CMSG_LEN(0)) / sizeof(int);
    if (room > RIGHTS_MAX)
        room = RIGHTS_MAX;
    uint32_t received, count, message_flags;
    if (__wasmux_status(__wasmux_recvmsg((uint32_t)fd, (const __wasi_iovec_t *)message->msg_iov,
                                         (size_t)message->msg_iovlen, rights,
                                         room * sizeof *rights, (uint32_t)flags, &received,
                                         &count, &message_flags)))
        return -1;
    if (count > 0) {
        struct cmsghdr *header = (struct cmsghdr *)message->msg_control;
        header->cmsg_len = CMSG_LEN(count * sizeof(int));
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        memcpy(CMSG_DATA(header), rights, count * sizeof(int));
        message->msg_controllen = CMSG_SPACE(count * sizeof(int));
    } else {
        message->msg_controllen = 0;
    }
    message->msg_namelen = 0; /* a stream socket reports no sender address */
    message->msg_flags = (int)message_flags;
    return (ssize_t)received;
}

ssize_t sendto(int fd, const void *data, size_t size, int flags,
               const struct sockaddr *address, socklen_t length) {
    (void)address, (void)length; /* a stream socket sends to its peer */
    struct iovec vector = {(void *)data, size};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1};
    return sendmsg(fd, &message, flags);
}

ssize_t send(int fd, const void *data, size_t size, int flags) {
    return sendto(fd, data, size, flags, NULL, 0);
}

ssize_t recvfrom(int fd, void *restrict data, size_t size, int flags,
                 struct sockaddr *restrict address, socklen_t *restrict length) {
    struct iovec vector = {data, size};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1};
    ssize_t received = recvmsg(fd, &message, flags);
    if (received >= 0 && address != NULL && length != NULL)
        *length = 0; /* a stream socket reports no sender address */
    return received;
}

ssize_t recv(int fd, void *data, size_t size, int flags) {
    return recvfrom(fd, data, size, flags, NULL, NULL);
}

int getsockopt(int fd, int level, int option, void *restrict value,
               socklen_t *restrict length) {
    uint32_t used;
    if (__wasmux_status(__wasmux_getsockopt((uint32_t)fd, (uint32_t)level, (uint32_t)option,
                                            value, *length, &used)))
        return -1;
    if (used < *length)
        *length = used;
    return 0;
}

int setsockopt(int fd, int level, int option, const void *value, socklen_t length) {
    return __wasmux_status(__wasmux_setsockopt((uint32_t)fd, (uint32_t)level,
                                               (uint32_t)option, value, length));
}

struct cmsghdr *__wasmux_cmsg_next(const struct msghdr *message, const struct cmsghdr *header) {
    const unsigned char *control = (const unsigned char *)message->msg_control;
    size_t next = (size_t)((const unsigned char *)header - control) + CMSG_ALIGN(header->cmsg_len);
    if (header->cmsg_len < sizeof(struct cmsghdr) ||
        next + sizeof(struct cmsghdr) > message->msg_controllen)
        return NULL;
    return (struct cmsghdr *)(control + next);
}
