/* libwasmux: posix_spawn, the emulated vfork + execve/_exit, and waitpid.

   vfork (see <wasmux/process.h>): __wasmux_vfork_enter asks the kernel to snapshot the
   process state for the child, and the caller's setjmp returns 0 into the child code.
   The child's execve calls vfork_exec, its _exit calls vfork_exit; both make the
   kernel restore the parent's state and return the child's pid, and libwasmux then
   longjmps back to the caller's setjmp, where vfork() returns that pid. Outside a
   vfork child, execve replaces the process image in place (the kernel's execve). */
#define WASMUX_BUILDING_LIBRARY 1
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wasmux/process.h>

#include "internal.h"

extern char **environ;

char *__wasmux_pack_strings(char *const vector[], size_t *length) {
    size_t total = 0;
    for (size_t i = 0; vector && vector[i]; i++)
        total += strlen(vector[i]) + 1;
    char *packed = malloc(total ? total : 1);
    if (!packed)
        return NULL;
    char *end = packed;
    for (size_t i = 0; vector && vector[i]; i++) {
        size_t size = strlen(vector[i]) + 1;
        memcpy(end, vector[i], size);
        end += size;
    }
    *length = total;
    return packed;
}

/* --- vfork --- */

/* Nested child phases (a vfork child that vforks again) stack up to the kernel's
   limit; a failed start jumps through the spare slot past the active ones. */
#define VFORK_DEPTH 16
static jmp_buf vfork_return[VFORK_DEPTH + 1];
static int vfork_depth;
static int vfork_start_error;
static int vfork_cwd_changed;  /* a child phase changed the working directory */

jmp_buf *__wasmux_vfork_enter(void) {
    vfork_start_error = vfork_depth == VFORK_DEPTH ? EAGAIN : __wasmux_vfork_begin();
    if (vfork_start_error)
        return &vfork_return[vfork_depth];
    return &vfork_return[vfork_depth++];
}

pid_t __wasmux_vfork_result(int jumped) {
    if (jumped)
        return (pid_t)jumped;
    if (vfork_start_error) {
        errno = vfork_start_error;
        return -1;
    }
    return 0;
}

int __wasmux_in_vfork_child(void) {
    return vfork_depth > 0;
}

void __wasmux_vfork_cwd_changed(void) {
    vfork_cwd_changed = 1;
}

/* Back to the enclosing vfork() with the child's pid (longjmp turns 0 into 1, but a
   child pid is never 0). The kernel gave the enclosing phase its working directory
   back: wasi-libc's copy follows it if the child changed it. */
static _Noreturn void vfork_return_to_parent(uint32_t pid) {
    vfork_depth--;
    if (vfork_cwd_changed) {
        vfork_cwd_changed = vfork_depth > 0;
        __wasmux_sync_cwd();
    }
    longjmp(vfork_return[vfork_depth], (int)pid);
}

_Noreturn void __wasmux_exit(int status) {
    uint32_t pid;
    if (vfork_depth && __wasmux_vfork_exit((uint32_t)status & 0xff, &pid) == 0)
        vfork_return_to_parent(pid);
    _exit(status);
}

/* --- exec family: in a vfork child, spawn the child and return to the parent;
   elsewhere, replace the process image in place --- */

int execve(const char *path, char *const argv[], char *const envp[]) {
    size_t argv_length, envp_length;
    char *packed_argv = __wasmux_pack_strings(argv, &argv_length);
    char *packed_envp = packed_argv ? __wasmux_pack_strings(envp, &envp_length) : NULL;
    if (!packed_envp) {
        free(packed_argv);
        return -1;
    }
    uint32_t pid;
    int32_t error = vfork_depth
        ? __wasmux_vfork_exec(path, strlen(path), packed_argv, argv_length, packed_envp,
                              envp_length, &pid)
        : __wasmux_execve(path, strlen(path), packed_argv, argv_length, packed_envp,
                          envp_length);
    free(packed_argv);
    free(packed_envp);
    if (error == 0 && vfork_depth)
        vfork_return_to_parent(pid);
    return __wasmux_status(error);
}

/* The program open on `fd`, through its /proc/self/fd link. */
int fexecve(int fd, char *const argv[], char *const envp[]) {
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    return execve(path, argv, envp);
}

int execv(const char *path, char *const argv[]) {
    return execve(path, argv, environ);
}

/* Search PATH like a shell when `file` has no slash; the first ENOENT-free failure
   (or ENOENT) is reported. */
int execvpe(const char *file, char *const argv[], char *const envp[]) {
    if (!*file) {
        errno = ENOENT;
        return -1;
    }
    if (strchr(file, '/'))
        return execve(file, argv, envp);
    const char *search = getenv("PATH");
    if (!search)
        search = "/usr/local/bin:/bin:/usr/bin";
    char candidate[PATH_MAX];
    int saw_other_error = 0;
    while (*search) {
        const char *colon = strchrnul(search, ':');
        size_t directory = (size_t)(colon - search);
        if (directory + 1 + strlen(file) < sizeof candidate) {
            memcpy(candidate, search, directory);
            candidate[directory] = '/';
            strcpy(candidate + directory + 1, file);
            execve(directory ? candidate : file, argv, envp);
            if (errno != ENOENT && errno != ENOTDIR) {
                if (errno != EACCES)
                    return -1;
                saw_other_error = 1;
            }
        }
        search = *colon ? colon + 1 : colon;
    }
    errno = saw_other_error ? EACCES : ENOENT;
    return -1;
}

int execvp(const char *file, char *const argv[]) {
    return execvpe(file, argv, environ);
}

/* execl/execlp/execle: collect the variadic arguments into a vector. */
#define COLLECT_ARGUMENTS(first, list, vector, count)                       \
    va_start(list, first);                                                  \
    for (count = 1; va_arg(list, const char *); count++) {}                 \
    va_end(list);                                                           \
    char *vector[count + 1];                                                \
    va_start(list, first);                                                  \
    vector[0] = (char *)first;                                              \
    for (size_t i = 1; i <= count; i++)                                     \
        vector[i] = va_arg(list, char *);

int execl(const char *path, const char *arg, ...) {
    va_list list;
    size_t count;
    COLLECT_ARGUMENTS(arg, list, argv, count)
    va_end(list);
    return execve(path, argv, environ);
}

int execlp(const char *file, const char *arg, ...) {
    va_list list;
    size_t count;
    COLLECT_ARGUMENTS(arg, list, argv, count)
    va_end(list);
    return execvp(file, argv);
}

int execle(const char *path, const char *arg, ...) {
    va_list list;
    size_t count;
    COLLECT_ARGUMENTS(arg, list, argv, count)
    char *const *envp = va_arg(list, char *const *);
    va_end(list);
    return execve(path, argv, envp);
}

pid_t fork(void) {
    errno = ENOSYS;
    return -1;
}

/* --- posix_spawn --- */

enum { ACTION_CLOSE = 1, ACTION_DUP2 = 2, ACTION_OPEN = 3, ACTION_CHDIR = 4,
       ACTION_FCHDIR = 5 };

/* File actions are kept packed in the kernel's format (see the ABI table's spawn). */
struct actions {
    size_t length;
    size_t capacity;
    unsigned char *data;
};

static int add_action(posix_spawn_file_actions_t *file_actions, int32_t kind, int32_t fd,
                      int32_t arg1, int32_t arg2, const char *path) {
    struct actions *actions = file_actions->__actions;
    size_t path_length = path ? strlen(path) : 0;
    size_t needed = actions->length + 5 * sizeof(int32_t) + path_length;
    if (needed > actions->capacity) {
        size_t capacity = needed * 2;
        unsigned char *data = realloc(actions->data, capacity);
        if (!data)
            return ENOMEM;
        actions->data = data;
        actions->capacity = capacity;
    }
    int32_t header[5] = {kind, fd, arg1, arg2, (int32_t)path_length};
    memcpy(actions->data + actions->length, header, sizeof header);
    memcpy(actions->data + actions->length + sizeof header, path, path_length);
    actions->length = needed;
    return 0;
}

int posix_spawn_file_actions_init(posix_spawn_file_actions_t *file_actions) {
    memset(file_actions, 0, sizeof *file_actions);
    file_actions->__actions = calloc(1, sizeof(struct actions));
    return file_actions->__actions ? 0 : ENOMEM;
}

int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *file_actions) {
    struct actions *actions = file_actions->__actions;
    if (actions)
        free(actions->data);
    free(actions);
    file_actions->__actions = NULL;
    return 0;
}

int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *file_actions, int fd) {
    return fd < 0 ? EBADF : add_action(file_actions, ACTION_CLOSE, fd, 0, 0, NULL);
}

int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *file_actions, int fd,
                                     int newfd) {
    if (fd < 0 || newfd < 0)
        return EBADF;
    return add_action(file_actions, ACTION_DUP2, fd, newfd, 0, NULL);
}

int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *restrict file_actions,
                                     int fd, const char *restrict path, int flags,
                                     mode_t mode) {
    return fd < 0 ? EBADF
                  : add_action(file_actions, ACTION_OPEN, fd, flags, (int32_t)mode, path);
}

int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *restrict file_actions,
                                         const char *restrict path) {
    return add_action(file_actions, ACTION_CHDIR, -1, 0, 0, path);
}

int posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *file_actions,
                                          int fd) {
    return fd < 0 ? EBADF : add_action(file_actions, ACTION_FCHDIR, fd, 0, 0, NULL);
}

int posix_spawnattr_init(posix_spawnattr_t *attributes) {
    memset(attributes, 0, sizeof *attributes);
    return 0;
}

int posix_spawnattr_destroy(posix_spawnattr_t *attributes) {
    (void)attributes;
    return 0;
}

int posix_spawnattr_setflags(posix_spawnattr_t *attributes, short flags) {
    const short known = POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETPGROUP |
                        POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
                        POSIX_SPAWN_SETSID;
    if (flags & ~known)
        return EINVAL;
    attributes->__flags = flags;
    return 0;
}

int posix_spawnattr_getflags(const posix_spawnattr_t *restrict attributes,
                             short *restrict flags) {
    *flags = (short)attributes->__flags;
    return 0;
}

int posix_spawnattr_setpgroup(posix_spawnattr_t *attributes, pid_t pgid) {
    attributes->__pgrp = pgid;
    return 0;
}

int posix_spawnattr_getpgroup(const posix_spawnattr_t *restrict attributes,
                              pid_t *restrict pgid) {
    *pgid = attributes->__pgrp;
    return 0;
}

int posix_spawnattr_setsigmask(posix_spawnattr_t *restrict attributes,
                               const sigset_t *restrict mask) {
    attributes->__mask = *mask;
    return 0;
}

int posix_spawnattr_getsigmask(const posix_spawnattr_t *restrict attributes,
                               sigset_t *restrict mask) {
    *mask = attributes->__mask;
    return 0;
}

int posix_spawnattr_setsigdefault(posix_spawnattr_t *restrict attributes,
                                  const sigset_t *restrict defaults) {
    attributes->__def = *defaults;
    return 0;
}

int posix_spawnattr_getsigdefault(const posix_spawnattr_t *restrict attributes,
                                  sigset_t *restrict defaults) {
    *defaults = attributes->__def;
    return 0;
}

int posix_spawn(pid_t *restrict pid, const char *restrict path,
                const posix_spawn_file_actions_t *file_actions,
                const posix_spawnattr_t *restrict attributes, char *const argv[restrict],
                char *const envp[restrict]) {
    size_t argv_length, envp_length;
    char *packed_argv = __wasmux_pack_strings(argv, &argv_length);
    char *packed_envp = packed_argv ? __wasmux_pack_strings(envp, &envp_length) : NULL;
    if (!packed_envp) {
        free(packed_argv);
        return ENOMEM;
    }
    const struct actions *actions = file_actions ? file_actions->__actions : NULL;
    int flags = attributes ? attributes->__flags : 0;
    uint32_t child;
    int32_t error = __wasmux_spawn(
        path, strlen(path), packed_argv, argv_length, packed_envp, envp_length,
        actions ? actions->data : NULL, actions ? actions->length : 0, (uint32_t)flags,
        attributes ? (uint32_t)attributes->__pgrp : 0,
        attributes ? attributes->__mask.__bits : 0,
        attributes ? attributes->__def.__bits : 0, &child);
    free(packed_argv);
    free(packed_envp);
    if (error == 0 && pid)
        *pid = (pid_t)child;
    return error;
}

/* posix_spawnp: posix_spawn over the PATH search of execvp. */
int posix_spawnp(pid_t *restrict pid, const char *restrict file,
                 const posix_spawn_file_actions_t *file_actions,
                 const posix_spawnattr_t *restrict attributes, char *const argv[restrict],
                 char *const envp[restrict]) {
    if (strchr(file, '/'))
        return posix_spawn(pid, file, file_actions, attributes, argv, envp);
    const char *search = getenv("PATH");
    if (!search)
        search = "/usr/local/bin:/bin:/usr/bin";
    char candidate[PATH_MAX];
    int result = ENOENT;
    while (*search) {
        const char *colon = strchrnul(search, ':');
        size_t directory = (size_t)(colon - search);
        if (directory + 1 + strlen(file) < sizeof candidate) {
            memcpy(candidate, search, directory);
            candidate[directory] = '/';
            strcpy(candidate + directory + 1, file);
            result = posix_spawn(pid, directory ? candidate : file, file_actions,
                                 attributes, argv, envp);
            if (result != ENOENT && result != ENOTDIR && result != EACCES)
                return result;
        }
        search = *colon ? colon + 1 : colon;
    }
    return result;
}

/* --- wait --- */

pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage) {
    uint32_t waited, raw_status;
    if (usage)
        memset(usage, 0, sizeof *usage);
    if (__wasmux_status(__wasmux_wait4((int32_t)pid, (uint32_t)options, &waited,
                                       &raw_status)))
        return -1;
    if (status && waited)
        *status = (int)raw_status;
    return (pid_t)waited;
}

pid_t waitpid(pid_t pid, int *status, int options) {
    return wait4(pid, status, options, NULL);
}

pid_t wait(int *status) {
    return wait4(-1, status, 0, NULL);
}

pid_t wait3(int *status, int options, struct rusage *usage) {
    return wait4(-1, status, options, usage);
}

/* --- system, popen, pclose: /bin/sh -c through posix_spawn --- */

int system(const char *command) {
    if (!command)
        return 1;
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    pid_t pid;
    int error = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
    if (error) {
        errno = error;
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status;
}

/* The child of each popen stream, by file descriptor. */
static pid_t popen_children[1024];

FILE *popen(const char *command, const char *mode) {
    int reading = mode[0] == 'r';
    if ((mode[0] != 'r' && mode[0] != 'w') || (mode[1] && mode[1] != 'e')) {
        errno = EINVAL;
        return NULL;
    }
    int fds[2];
    if (pipe(fds) != 0)
        return NULL;
    int parent_end = reading ? fds[0] : fds[1];
    int child_end = reading ? fds[1] : fds[0];
    posix_spawn_file_actions_t actions;
    int error = posix_spawn_file_actions_init(&actions);
    if (!error)
        error = posix_spawn_file_actions_adddup2(&actions, child_end, reading ? 1 : 0);
    if (!error)
        error = posix_spawn_file_actions_addclose(&actions, parent_end);
    pid_t pid;
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    if (!error)
        error = posix_spawn(&pid, "/bin/sh", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(child_end);
    FILE *stream = error ? NULL : fdopen(parent_end, reading ? "r" : "w");
    if (!stream || parent_end >= (int)(sizeof popen_children / sizeof *popen_children)) {
        if (stream)
            fclose(stream);
        else
            close(parent_end);
        errno = error ? error : EMFILE;
        return NULL;
    }
    popen_children[parent_end] = pid;
    return stream;
}

int pclose(FILE *stream) {
    int fd = fileno(stream);
    pid_t pid = fd >= 0 && fd < (int)(sizeof popen_children / sizeof *popen_children)
                    ? popen_children[fd] : 0;
    fclose(stream);
    if (pid <= 0) {
        errno = ECHILD;
        return -1;
    }
    popen_children[fd] = 0;
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -1;
    }
    return status;
}
