/* libwasmux: process identity, groups, sessions and the file creation mask. */
#define WASMUX_BUILDING_LIBRARY 1
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

pid_t getpid(void) {
    uint32_t pid = 0;
    __wasmux_getpid(&pid);
    return (pid_t)pid;
}

pid_t getppid(void) {
    uint32_t pid = 0;
    __wasmux_getppid(&pid);
    return (pid_t)pid;
}

pid_t getpgid(pid_t pid) {
    uint32_t pgid;
    if (__wasmux_status(__wasmux_getpgid((uint32_t)pid, &pgid)))
        return -1;
    return (pid_t)pgid;
}

pid_t getpgrp(void) {
    return getpgid(0);
}

int setpgid(pid_t pid, pid_t pgid) {
    return __wasmux_status(__wasmux_setpgid((uint32_t)pid, (uint32_t)pgid));
}

pid_t setpgrp(void) {
    return setpgid(0, 0);
}

pid_t setsid(void) {
    uint32_t sid;
    if (__wasmux_status(__wasmux_setsid(&sid)))
        return -1;
    return (pid_t)sid;
}

pid_t getsid(pid_t pid) {
    uint32_t sid;
    if (__wasmux_status(__wasmux_getsid((uint32_t)pid, &sid)))
        return -1;
    return (pid_t)sid;
}

/* umask cannot fail in POSIX; when the kernel refuses, errno is set and the usual
   default 022 is reported as the previous mask. */
mode_t umask(mode_t mask) {
    uint32_t old;
    if (__wasmux_status(__wasmux_umask(mask & 0777, &old)))
        return 022;
    return (mode_t)old;
}

/* Users: Wasmux has no uid/gid calls yet, so every process runs as root (uid and gid
   0); changing identity to anything else fails with EPERM. */
uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }
gid_t getgid(void) { return 0; }
gid_t getegid(void) { return 0; }

int getgroups(int size, gid_t list[]) {
    if (size == 0)
        return 1;
    list[0] = 0;
    return 1;
}

static int only_root(unsigned id) {
    if (id == 0)
        return 0;
    errno = EPERM;
    return -1;
}

int setuid(uid_t uid) { return only_root(uid); }
int seteuid(uid_t uid) { return only_root(uid); }
int setgid(gid_t gid) { return only_root(gid); }
int setegid(gid_t gid) { return only_root(gid); }
