/* IPC test program, linked with libwasmux: pipes, descriptor calls, poll/select, and
   AF_UNIX stream sockets. `ipctest MODE [ARG...]` prints what it observed; the tests
   (tests/native/test_ipc_programs.py) compare that output. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void check(int ok, const char *what) {
    if (!ok) {
        printf("FAILED: %s (errno %d: %s)\n", what, errno, strerror(errno));
        exit(1);
    }
}

static size_t write_all(int fd, const char *data, size_t size) {
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        check(n > 0, "write");
        done += (size_t)n;
    }
    return done;
}

static size_t read_all(int fd, char *buffer, size_t size) {
    size_t done = 0;
    for (;;) {
        ssize_t n = read(fd, buffer + done, size - done);
        check(n >= 0, "read");
        if (n == 0 || done + (size_t)n == size)
            return done + (size_t)n;
        done += (size_t)n;
    }
}

/* Spawn /bin/ipctest with `argv`, `fd` becoming the child's descriptor `target`. */
static pid_t spawn_with(char *const argv[], int fd, int target) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fd, target);
    pid_t pid;
    int error = posix_spawn(&pid, "/bin/ipctest", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    errno = error;
    check(error == 0, "posix_spawn");
    return pid;
}

static int wait_status(pid_t pid) {
    int status;
    check(waitpid(pid, &status, 0) == pid, "waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int pipe_self(void) {
    int fds[2];
    char buffer[64];
    check(pipe(fds) == 0, "pipe");
    write_all(fds[1], "through the pipe", 16);
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    printf("read %zd: %.*s\n", n, (int)n, buffer);
    close(fds[1]);
    printf("after close: %zd\n", read(fds[0], buffer, sizeof buffer));
    struct stat st;
    check(fstat(fds[0], &st) == 0, "fstat");
    printf("fifo %d seek %d\n", S_ISFIFO(st.st_mode), lseek(fds[0], 0, SEEK_SET) < 0 && errno == ESPIPE);
    return 0;
}

static int writer(long count) {
    static char block[4096];
    memset(block, 'w', sizeof block);
    while (count > 0) {
        size_t step = count < (long)sizeof block ? (size_t)count : sizeof block;
        write_all(1, block, step);
        count -= (long)step;
    }
    return 0;
}

/* A child writes `count` bytes into a pipe the parent reads to end of file. */
static int pipe_child(const char *count) {
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    char *argv[] = {"ipctest", "writer", (char *)count, NULL};
    pid_t pid = spawn_with(argv, fds[1], 1);
    close(fds[1]);
    static char buffer[1 << 16];
    long total = 0;
    for (;;) {
        ssize_t n = read(fds[0], buffer, sizeof buffer);
        check(n >= 0, "read");
        if (n == 0)
            break;
        total += n;
    }
    printf("parent read %ld bytes, child status %d\n", total, wait_status(pid));
    return 0;
}

static int epipe(const char *how) {
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    close(fds[0]);
    if (!strcmp(how, "ignored"))
        signal(SIGPIPE, SIG_IGN);
    ssize_t n = write(fds[1], "x", 1);
    printf("write %zd errno %s\n", n, errno == EPIPE ? "EPIPE" : strerror(errno));
    return 0;
}

static int nonblocking(void) {
    int fds[2];
    char byte;
    check(pipe2(fds, O_NONBLOCK) == 0, "pipe2");
    printf("empty read %zd %s\n", read(fds[0], &byte, 1), errno == EAGAIN ? "EAGAIN" : "?");
    printf("flags nonblock %d\n", (fcntl(fds[1], F_GETFL) & O_NONBLOCK) != 0);
    static char block[1000];
    long total = 0;
    ssize_t n;
    while ((n = write(fds[1], block, sizeof block)) > 0)
        total += n;
    printf("filled %ld then %s\n", total, errno == EAGAIN ? "EAGAIN" : strerror(errno));
    check(fcntl(fds[0], F_SETFL, 0) == 0, "F_SETFL");
    printf("read end blocking again: %d\n", (fcntl(fds[0], F_GETFL) & O_NONBLOCK) == 0);
    return 0;
}

static int descriptors(void) {
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    int copy = dup(fds[1]);
    int high = fcntl(fds[1], F_DUPFD, 30);
    int cloexec = fcntl(fds[1], F_DUPFD_CLOEXEC, 30);
    printf("dup %d F_DUPFD %d F_DUPFD_CLOEXEC %d cloexec %d %d\n", copy > fds[1], high,
           cloexec, fcntl(high, F_GETFD), fcntl(cloexec, F_GETFD));
    check(dup2(fds[1], 20) == 20, "dup2");
    check(fcntl(20, F_SETFD, FD_CLOEXEC) == 0, "F_SETFD");
    printf("F_GETFD after F_SETFD %d\n", fcntl(20, F_GETFD));
    printf("dup3 same fd: %d %s\n", dup3(20, 20, 0), errno == EINVAL ? "EINVAL" : "?");
    printf("dup2 closed: %d %s\n", dup2(99, 21), errno == EBADF ? "EBADF" : "?");
    write_all(20, "via 20 ", 7);
    write_all(high, "via 30", 6);
    close(fds[1]), close(copy), close(high), close(cloexec), close(20);
    char buffer[64];
    size_t n = read_all(fds[0], buffer, sizeof buffer);
    printf("%.*s\n", (int)n, buffer);
    printf("access mode %s\n", (fcntl(fds[0], F_GETFL) & O_ACCMODE) == O_RDONLY ? "O_RDONLY" : "?");
    return 0;
}

static long elapsed_ms(struct timespec start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
}

static int polling(void) {
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    struct pollfd watch[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLOUT, 0}};
    int ready = poll(watch, 2, 0);
    printf("poll: %d read %d write %d\n", ready, watch[0].revents, watch[1].revents == POLLOUT);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    printf("poll timeout: %d after >= 50 ms: %d\n", poll(watch, 1, 50), elapsed_ms(start) >= 50);
    write_all(fds[1], "abc", 3);
    ready = poll(watch, 1, -1);
    printf("poll after write: %d %d\n", ready, watch[0].revents == POLLIN);
    fd_set readable;
    FD_ZERO(&readable);
    FD_SET(fds[0], &readable);
    struct timeval zero = {0, 0};
    printf("select: %d %d\n", select(fds[0] + 1, &readable, NULL, NULL, &zero),
           FD_ISSET(fds[0], &readable) != 0);
    close(fds[1]);
    char buffer[8];
    read(fds[0], buffer, sizeof buffer);
    ready = poll(watch, 1, -1);
    printf("poll at eof: %d hup %d\n", ready, (watch[0].revents & POLLHUP) != 0);
    return 0;
}

/* One poll over a regular file, a socket, a pipe and stdin (a host stream at end of
   file): every kind answers through poll_oneoff. */
static int poll_mixed(void) {
    int file = open("/tmp/polled", O_RDWR | O_CREAT | O_TRUNC, 0644);
    check(file >= 0, "open");
    int sockets[2], fds[2];
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) == 0, "socketpair");
    check(pipe(fds) == 0, "pipe");
    struct pollfd watch[5] = {{file, POLLIN | POLLOUT, 0}, {sockets[0], POLLIN, 0},
                              {sockets[1], POLLOUT, 0}, {fds[0], POLLIN, 0}, {0, POLLIN, 0}};
    int ready = poll(watch, 5, 0);
    printf("before: %d file %d socket in %d out %d pipe %d stdin %d\n", ready,
           watch[0].revents == (POLLIN | POLLOUT), watch[1].revents, watch[2].revents == POLLOUT,
           watch[3].revents, (watch[4].revents & POLLIN) != 0);
    check(send(sockets[1], "s", 1, 0) == 1, "send");
    write_all(fds[1], "p", 1);
    ready = poll(watch + 1, 3, -1);
    printf("after: %d socket in %d pipe %d\n", ready, watch[1].revents == POLLIN,
           watch[3].revents == POLLIN);
    fd_set readable, writable;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_SET(sockets[0], &readable);
    FD_SET(fds[0], &readable);
    FD_SET(sockets[1], &writable);
    printf("select: %d\n", select(fds[0] + 1, &readable, &writable, NULL, NULL));
    return 0;
}

/* poll wakes when a child process writes into the pipe after a delay. */
static int poll_child(void) {
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    char *argv[] = {"ipctest", "slow-writer", NULL};
    pid_t pid = spawn_with(argv, fds[1], 1);
    close(fds[1]);
    struct pollfd watch = {fds[0], POLLIN, 0};
    int ready = poll(&watch, 1, 10000);
    char buffer[16];
    ssize_t n = read(fds[0], buffer, sizeof buffer);
    printf("poll %d revents %d read %.*s status %d\n", ready, watch.revents, (int)n, buffer,
           wait_status(pid));
    return 0;
}

static int slow_writer(void) {
    struct timespec pause = {0, 30 * 1000000};
    nanosleep(&pause, NULL);
    write_all(1, "late", 4);
    return 0;
}

static int send_fd(int socket_fd, int fd, const char *data) {
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec vector = {(void *)data, strlen(data)};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof control};
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof fd);
    return (int)sendmsg(socket_fd, &message, 0);
}

static int receive_fd(int socket_fd, char *data, size_t size, ssize_t *received) {
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec vector = {data, size};
    struct msghdr message = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = control,
                             .msg_controllen = sizeof control};
    *received = recvmsg(socket_fd, &message, 0);
    check(*received >= 0, "recvmsg");
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    if (header == NULL || header->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(header), sizeof fd);
    return fd;
}

/* A child gets a socket as its stdin, receives a pipe's write end over it and writes
   into the pipe; the parent reads what arrives. */
static int fd_passing(void) {
    int sockets[2], fds[2];
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) == 0, "socketpair");
    check(pipe(fds) == 0, "pipe");
    char *argv[] = {"ipctest", "fd-receiver", NULL};
    pid_t pid = spawn_with(argv, sockets[1], 0);
    close(sockets[1]);
    check(send_fd(sockets[0], fds[1], "here") == 4, "sendmsg");
    close(fds[1]);
    char buffer[64];
    size_t n = read_all(fds[0], buffer, sizeof buffer);
    printf("parent got: %.*s; child status %d\n", (int)n, buffer, wait_status(pid));
    return 0;
}

static int fd_receiver(void) {
    char data[16];
    ssize_t received;
    int fd = receive_fd(0, data, sizeof data, &received);
    check(fd >= 0, "SCM_RIGHTS");
    char line[64];
    int length = snprintf(line, sizeof line, "written through fd %d after '%.*s'", fd,
                          (int)received, data);
    write_all(fd, line, (size_t)length);
    return 0;
}

static struct sockaddr_un address_of(const char *path) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    return address;
}

/* Serve `count` clients: read a request to end of file, answer it upper-cased. */
static int server(const char *path, int count) {
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    check(listener >= 0, "socket");
    struct sockaddr_un address = address_of(path);
    check(bind(listener, (struct sockaddr *)&address, sizeof address) == 0, "bind");
    check(listen(listener, 8) == 0, "listen");
    int again = bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&address,
                     sizeof address);
    printf("second bind %d %s\n", again, errno == EADDRINUSE ? "EADDRINUSE" : "?");
    fflush(stdout);
    for (int served = 0; served < count; served++) {
        struct sockaddr_un peer;
        socklen_t length = sizeof peer;
        int connection = accept(listener, (struct sockaddr *)&peer, &length);
        check(connection >= 0, "accept");
        char request[256];
        size_t n = read_all(connection, request, sizeof request);
        for (size_t i = 0; i < n; i++)
            if (request[i] >= 'a' && request[i] <= 'z')
                request[i] = (char)(request[i] - 'a' + 'A');
        check(send(connection, request, n, 0) == (ssize_t)n, "send");
        close(connection);
    }
    printf("server done\n");
    return 0;
}

static int client(const char *path, const char *text) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    check(fd >= 0, "socket");
    struct sockaddr_un address = address_of(path);
    struct timespec pause = {0, 5 * 1000000};
    for (int tries = 0; connect(fd, (struct sockaddr *)&address, sizeof address) < 0; tries++) {
        check((errno == ENOENT || errno == ECONNREFUSED) && tries < 1000, "connect");
        nanosleep(&pause, NULL);
    }
    struct sockaddr_un peer;
    socklen_t length = sizeof peer;
    check(getpeername(fd, (struct sockaddr *)&peer, &length) == 0, "getpeername");
    check(send(fd, text, strlen(text), 0) == (ssize_t)strlen(text), "send");
    check(shutdown(fd, SHUT_WR) == 0, "shutdown");
    char reply[256];
    size_t n = read_all(fd, reply, sizeof reply);
    printf("peer %s reply %.*s\n", peer.sun_path, (int)n, reply);
    return 0;
}

static int socket_errors(void) {
    printf("AF_INET: %d %s\n", socket(AF_INET, SOCK_STREAM, 0),
           errno == EAFNOSUPPORT ? "EAFNOSUPPORT" : strerror(errno));
    printf("SOCK_DGRAM: %d %s\n", socket(AF_UNIX, SOCK_DGRAM, 0),
           errno == EPROTONOSUPPORT ? "EPROTONOSUPPORT" : strerror(errno));
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = address_of("/tmp/nobody");
    printf("connect missing: %d %s\n", connect(fd, (struct sockaddr *)&address, sizeof address),
           errno == ENOENT ? "ENOENT" : strerror(errno));
    int type = 0;
    socklen_t length = sizeof type;
    check(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0, "getsockopt");
    printf("SO_TYPE stream %d\n", type == SOCK_STREAM);
    int sockets[2];
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets) == 0, "socketpair");
    close(sockets[1]);
    signal(SIGPIPE, SIG_IGN);
    printf("send to closed peer: %zd %s\n", send(sockets[0], "x", 1, 0),
           errno == EPIPE ? "EPIPE" : strerror(errno));
    printf("recv at eof: %zd\n", recv(sockets[0], &type, 1, 0));
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "pipe-self"))
        return pipe_self();
    if (!strcmp(mode, "writer") && argc > 2)
        return writer(atol(argv[2]));
    if (!strcmp(mode, "pipe-child") && argc > 2)
        return pipe_child(argv[2]);
    if (!strcmp(mode, "epipe") && argc > 2)
        return epipe(argv[2]);
    if (!strcmp(mode, "nonblock"))
        return nonblocking();
    if (!strcmp(mode, "descriptors"))
        return descriptors();
    if (!strcmp(mode, "poll"))
        return polling();
    if (!strcmp(mode, "poll-mixed"))
        return poll_mixed();
    if (!strcmp(mode, "poll-child"))
        return poll_child();
    if (!strcmp(mode, "slow-writer"))
        return slow_writer();
    if (!strcmp(mode, "fd-passing"))
        return fd_passing();
    if (!strcmp(mode, "fd-receiver"))
        return fd_receiver();
    if (!strcmp(mode, "server") && argc > 3)
        return server(argv[2], atoi(argv[3]));
    if (!strcmp(mode, "client") && argc > 3)
        return client(argv[2], argv[3]);
    if (!strcmp(mode, "socket-errors"))
        return socket_errors();
    fprintf(stderr, "usage: ipctest MODE [ARG...]\n");
    return 2;
}
