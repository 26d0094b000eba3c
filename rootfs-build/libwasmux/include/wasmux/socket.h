/* libwasmux: AF_UNIX stream sockets.

   socket, socketpair, bind, listen, accept/accept4, connect, send/recv, sendto/recvfrom
   (a stream socket ignores the address), sendmsg/recvmsg with SCM_RIGHTS, getsockname,
   getpeername, getsockopt and setsockopt are kernel calls; shutdown is wasi-libc's
   (WASI sock_shutdown). Constants are wasi-libc's where it has them (AF_UNIX 3,
   SOCK_STREAM 6, SOCK_NONBLOCK, SOCK_CLOEXEC, SOL_SOCKET, MSG_PEEK, MSG_WAITALL); this
   header adds what a Linux program also expects, with Linux's values: the SO_* options
   the kernel answers (SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_ACCEPTCONN,
   SO_DOMAIN), the MSG_* flags (MSG_DONTWAIT, MSG_NOSIGNAL, MSG_CMSG_CLOEXEC, MSG_CTRUNC),
   struct cmsghdr and the CMSG_* macros for SCM_RIGHTS.

   Only paths name sockets: an address whose sun_path is empty or starts with a NUL byte
   (Linux's abstract names) is EINVAL. AF_INET and AF_INET6 sockets fail with
   EAFNOSUPPORT and datagram sockets with EPROTONOSUPPORT: there is no network. */
#ifndef WASMUX_SOCKET_H
#define WASMUX_SOCKET_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef AF_LOCAL
#define AF_LOCAL AF_UNIX
#endif
#ifndef PF_UNIX
#define PF_UNIX AF_UNIX
#endif
#ifndef PF_LOCAL
#define PF_LOCAL AF_UNIX
#endif
#ifndef SOMAXCONN
#define SOMAXCONN 128
#endif

#ifndef SO_ERROR
#define SO_ERROR 4
#endif
#ifndef SO_SNDBUF
#define SO_SNDBUF 7
#endif
#ifndef SO_RCVBUF
#define SO_RCVBUF 8
#endif
#ifndef SO_ACCEPTCONN
#define SO_ACCEPTCONN 30
#endif
#ifndef SO_DOMAIN
#define SO_DOMAIN 39
#endif

#ifndef MSG_CTRUNC
#define MSG_CTRUNC 0x0008
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0x0040
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0x40000000
#endif

#ifndef SCM_RIGHTS
#define SCM_RIGHTS 1

/* A control message header; its data follows at the next size_t boundary. */
struct cmsghdr {
    socklen_t cmsg_len; /* header and data, without the final padding */
    int cmsg_level;
    int cmsg_type;
};

#define CMSG_ALIGN(length) (((length) + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1))
#define CMSG_LEN(length) (CMSG_ALIGN(sizeof(struct cmsghdr)) + (length))
#define CMSG_SPACE(length) (CMSG_ALIGN(sizeof(struct cmsghdr)) + CMSG_ALIGN(length))
#define CMSG_DATA(header) ((unsigned char *)(header) + CMSG_ALIGN(sizeof(struct cmsghdr)))
#define CMSG_FIRSTHDR(message) \
    ((message)->msg_controllen >= sizeof(struct cmsghdr) \
         ? (struct cmsghdr *)(message)->msg_control : (struct cmsghdr *)0)
/* The header after `header`, or a null pointer when no whole header fits after it. */
#define CMSG_NXTHDR(message, header) __wasmux_cmsg_next((message), (header))

struct cmsghdr *__wasmux_cmsg_next(const struct msghdr *message, const struct cmsghdr *header);
#endif

#endif
