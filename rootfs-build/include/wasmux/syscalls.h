/* generated from kernel/py/wasmux/abi/table.py by abi/generate.py, do not edit. */
#ifndef WASMUX_SYSCALLS_H
#define WASMUX_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>
#include <wasi/api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel syscall numbers (the dispatcher's index of each import). */
#define WASMUX_SYS_args_get 0
#define WASMUX_SYS_args_sizes_get 1
#define WASMUX_SYS_environ_get 2
#define WASMUX_SYS_environ_sizes_get 3
#define WASMUX_SYS_clock_res_get 4
#define WASMUX_SYS_clock_time_get 5
#define WASMUX_SYS_fd_advise 6
#define WASMUX_SYS_fd_allocate 7
#define WASMUX_SYS_fd_close 8
#define WASMUX_SYS_fd_datasync 9
#define WASMUX_SYS_fd_fdstat_get 10
#define WASMUX_SYS_fd_fdstat_set_flags 11
#define WASMUX_SYS_fd_fdstat_set_rights 12
#define WASMUX_SYS_fd_filestat_get 13
#define WASMUX_SYS_fd_filestat_set_size 14
#define WASMUX_SYS_fd_filestat_set_times 15
#define WASMUX_SYS_fd_pread 16
#define WASMUX_SYS_fd_prestat_get 17
#define WASMUX_SYS_fd_prestat_dir_name 18
#define WASMUX_SYS_fd_pwrite 19
#define WASMUX_SYS_fd_read 20
#define WASMUX_SYS_fd_readdir 21
#define WASMUX_SYS_fd_renumber 22
#define WASMUX_SYS_fd_seek 23
#define WASMUX_SYS_fd_sync 24
#define WASMUX_SYS_fd_tell 25
#define WASMUX_SYS_fd_write 26
#define WASMUX_SYS_path_create_directory 27
#define WASMUX_SYS_path_filestat_get 28
#define WASMUX_SYS_path_filestat_set_times 29
#define WASMUX_SYS_path_link 30
#define WASMUX_SYS_path_open 31
#define WASMUX_SYS_path_readlink 32
#define WASMUX_SYS_path_remove_directory 33
#define WASMUX_SYS_path_rename 34
#define WASMUX_SYS_path_symlink 35
#define WASMUX_SYS_path_unlink_file 36
#define WASMUX_SYS_poll_oneoff 37
#define WASMUX_SYS_proc_exit 38
#define WASMUX_SYS_proc_raise 39
#define WASMUX_SYS_sched_yield 40
#define WASMUX_SYS_random_get 41
#define WASMUX_SYS_sock_accept 42
#define WASMUX_SYS_sock_recv 43
#define WASMUX_SYS_sock_send 44
#define WASMUX_SYS_sock_shutdown 45
#define WASMUX_SYS_getpid 46
#define WASMUX_SYS_getppid 47
#define WASMUX_SYS_spawn 48
#define WASMUX_SYS_vfork_begin 49
#define WASMUX_SYS_vfork_exec 50
#define WASMUX_SYS_vfork_exit 51
#define WASMUX_SYS_execve 52
#define WASMUX_SYS_wait4 53
#define WASMUX_SYS_pipe2 54
#define WASMUX_SYS_dup 55
#define WASMUX_SYS_dup3 56
#define WASMUX_SYS_fcntl 57
#define WASMUX_SYS_ioctl 58
#define WASMUX_SYS_kill 59
#define WASMUX_SYS_sigaction 60
#define WASMUX_SYS_sigprocmask 61
#define WASMUX_SYS_sigpending 62
#define WASMUX_SYS_sigsuspend 63
#define WASMUX_SYS_alarm 64
#define WASMUX_SYS_chdir 65
#define WASMUX_SYS_fchdir 66
#define WASMUX_SYS_getcwd 67
#define WASMUX_SYS_umask 68
#define WASMUX_SYS_setpgid 69
#define WASMUX_SYS_getpgid 70
#define WASMUX_SYS_setsid 71
#define WASMUX_SYS_getsid 72
#define WASMUX_SYS_socket 73
#define WASMUX_SYS_socketpair 74
#define WASMUX_SYS_bind 75
#define WASMUX_SYS_listen 76
#define WASMUX_SYS_accept4 77
#define WASMUX_SYS_connect 78
#define WASMUX_SYS_sendmsg 79
#define WASMUX_SYS_recvmsg 80
#define WASMUX_SYS_getsockname 81
#define WASMUX_SYS_getpeername 82
#define WASMUX_SYS_getsockopt 83
#define WASMUX_SYS_setsockopt 84
#define WASMUX_SYS_stat 85
#define WASMUX_SYS_fstat 86
#define WASMUX_SYS_chmod 87
#define WASMUX_SYS_fchmod 88
#define WASMUX_SYS_open 89
#define WASMUX_SYS_mkdir 90
#define WASMUX_SYS_statfs 91
#define WASMUX_SYS_uname 92
#define WASMUX_SYS_sethostname 93
#define WASMUX_SYS_sysinfo 94

/* Functions of the "wasmux" import module (POSIX calls WASI lacks). */
/* getpid: in -; out u32(pid); returns a WASI errno. */
int32_t __wasmux_getpid(uint32_t *pid)
    __attribute__((import_module("wasmux"), import_name("getpid")));

/* getppid: in -; out u32(pid); returns a WASI errno. */
int32_t __wasmux_getppid(uint32_t *pid)
    __attribute__((import_module("wasmux"), import_name("getppid")));

/* spawn: in path(path,path_len) bytes(argv,argv_len) bytes(envp,envp_len) bytes(actions,actions_len) int(flags) int(pgid) int(sigmask) int(sigdefault); out u32(pid); returns a WASI errno. */
int32_t __wasmux_spawn(const char *path, size_t path_len, const void *argv, size_t argv_len, const void *envp, size_t envp_len, const void *actions, size_t actions_len, uint32_t flags, uint32_t pgid, uint64_t sigmask, uint64_t sigdefault, uint32_t *pid)
    __attribute__((import_module("wasmux"), import_name("spawn")));

/* vfork_begin: in -; out -; returns a WASI errno. */
int32_t __wasmux_vfork_begin(void)
    __attribute__((import_module("wasmux"), import_name("vfork_begin")));

/* vfork_exec: in path(path,path_len) bytes(argv,argv_len) bytes(envp,envp_len); out u32(pid); returns a WASI errno. */
int32_t __wasmux_vfork_exec(const char *path, size_t path_len, const void *argv, size_t argv_len, const void *envp, size_t envp_len, uint32_t *pid)
    __attribute__((import_module("wasmux"), import_name("vfork_exec")));

/* vfork_exit: in int(status); out u32(pid); returns a WASI errno. */
int32_t __wasmux_vfork_exit(uint32_t status, uint32_t *pid)
    __attribute__((import_module("wasmux"), import_name("vfork_exit")));

/* execve: in path(path,path_len) bytes(argv,argv_len) bytes(envp,envp_len); out -; returns a WASI errno. */
int32_t __wasmux_execve(const char *path, size_t path_len, const void *argv, size_t argv_len, const void *envp, size_t envp_len)
    __attribute__((import_module("wasmux"), import_name("execve")));

/* wait4: in sint(pid) int(options); out u32(waited) u32(status); returns a WASI errno. */
int32_t __wasmux_wait4(int32_t pid, uint32_t options, uint32_t *waited, uint32_t *status)
    __attribute__((import_module("wasmux"), import_name("wait4")));

/* pipe2: in int(flags); out u32(read_fd) u32(write_fd); returns a WASI errno. */
int32_t __wasmux_pipe2(uint32_t flags, uint32_t *read_fd, uint32_t *write_fd)
    __attribute__((import_module("wasmux"), import_name("pipe2")));

/* dup: in int(fd); out u32(newfd); returns a WASI errno. */
int32_t __wasmux_dup(uint32_t fd, uint32_t *newfd)
    __attribute__((import_module("wasmux"), import_name("dup")));

/* dup3: in int(fd) int(newfd) int(flags); out -; returns a WASI errno. */
int32_t __wasmux_dup3(uint32_t fd, uint32_t newfd, uint32_t flags)
    __attribute__((import_module("wasmux"), import_name("dup3")));

/* fcntl: in int(fd) int(cmd) sint(arg); out u32(result); returns a WASI errno. */
int32_t __wasmux_fcntl(uint32_t fd, uint32_t cmd, int32_t arg, uint32_t *result)
    __attribute__((import_module("wasmux"), import_name("fcntl")));

/* ioctl: in int(fd) int(request) bytes(arg,arg_len); out buf_out(arg,arg_len) u32(result); returns a WASI errno. */
int32_t __wasmux_ioctl(uint32_t fd, uint32_t request, void *arg, size_t arg_len, uint32_t *result)
    __attribute__((import_module("wasmux"), import_name("ioctl")));

/* kill: in sint(pid) int(sig); out -; returns a WASI errno. */
int32_t __wasmux_kill(int32_t pid, uint32_t sig)
    __attribute__((import_module("wasmux"), import_name("kill")));

/* sigaction: in int(sig) int(change) int(disposition) int(flags) int(mask); out u32(old_disposition) u32(old_flags) u64(old_mask); returns a WASI errno. */
int32_t __wasmux_sigaction(uint32_t sig, uint32_t change, uint32_t disposition, uint32_t flags, uint64_t mask, uint32_t *old_disposition, uint32_t *old_flags, uint64_t *old_mask)
    __attribute__((import_module("wasmux"), import_name("sigaction")));

/* sigprocmask: in int(how) int(mask); out u64(old_mask); returns a WASI errno. */
int32_t __wasmux_sigprocmask(uint32_t how, uint64_t mask, uint64_t *old_mask)
    __attribute__((import_module("wasmux"), import_name("sigprocmask")));

/* sigpending: in -; out u64(mask); returns a WASI errno. */
int32_t __wasmux_sigpending(uint64_t *mask)
    __attribute__((import_module("wasmux"), import_name("sigpending")));

/* sigsuspend: in int(mask); out -; returns a WASI errno. */
int32_t __wasmux_sigsuspend(uint64_t mask)
    __attribute__((import_module("wasmux"), import_name("sigsuspend")));

/* alarm: in int(seconds); out u32(remaining); returns a WASI errno. */
int32_t __wasmux_alarm(uint32_t seconds, uint32_t *remaining)
    __attribute__((import_module("wasmux"), import_name("alarm")));

/* chdir: in path(path,path_len); out -; returns a WASI errno. */
int32_t __wasmux_chdir(const char *path, size_t path_len)
    __attribute__((import_module("wasmux"), import_name("chdir")));

/* fchdir: in int(fd); out -; returns a WASI errno. */
int32_t __wasmux_fchdir(uint32_t fd)
    __attribute__((import_module("wasmux"), import_name("fchdir")));

/* getcwd: in int(buf_len); out buf_out(buf,buf_len) u32(len); returns a WASI errno. */
int32_t __wasmux_getcwd(void *buf, size_t buf_len, uint32_t *len)
    __attribute__((import_module("wasmux"), import_name("getcwd")));

/* umask: in int(mask); out u32(old_mask); returns a WASI errno. */
int32_t __wasmux_umask(uint32_t mask, uint32_t *old_mask)
    __attribute__((import_module("wasmux"), import_name("umask")));

/* setpgid: in int(pid) int(pgid); out -; returns a WASI errno. */
int32_t __wasmux_setpgid(uint32_t pid, uint32_t pgid)
    __attribute__((import_module("wasmux"), import_name("setpgid")));

/* getpgid: in int(pid); out u32(pgid); returns a WASI errno. */
int32_t __wasmux_getpgid(uint32_t pid, uint32_t *pgid)
    __attribute__((import_module("wasmux"), import_name("getpgid")));

/* setsid: in -; out u32(sid); returns a WASI errno. */
int32_t __wasmux_setsid(uint32_t *sid)
    __attribute__((import_module("wasmux"), import_name("setsid")));

/* getsid: in int(pid); out u32(sid); returns a WASI errno. */
int32_t __wasmux_getsid(uint32_t pid, uint32_t *sid)
    __attribute__((import_module("wasmux"), import_name("getsid")));

/* socket: in int(domain) int(type) int(protocol); out u32(fd); returns a WASI errno. */
int32_t __wasmux_socket(uint32_t domain, uint32_t type, uint32_t protocol, uint32_t *fd)
    __attribute__((import_module("wasmux"), import_name("socket")));

/* socketpair: in int(domain) int(type) int(protocol); out u32(fd0) u32(fd1); returns a WASI errno. */
int32_t __wasmux_socketpair(uint32_t domain, uint32_t type, uint32_t protocol, uint32_t *fd0, uint32_t *fd1)
    __attribute__((import_module("wasmux"), import_name("socketpair")));

/* bind: in int(fd) path(path,path_len); out -; returns a WASI errno. */
int32_t __wasmux_bind(uint32_t fd, const char *path, size_t path_len)
    __attribute__((import_module("wasmux"), import_name("bind")));

/* listen: in int(fd) sint(backlog); out -; returns a WASI errno. */
int32_t __wasmux_listen(uint32_t fd, int32_t backlog)
    __attribute__((import_module("wasmux"), import_name("listen")));

/* accept4: in int(fd) int(flags) int(address_len); out u32(newfd) buf_out(address,address_len) u32(address_used); returns a WASI errno. */
int32_t __wasmux_accept4(uint32_t fd, uint32_t flags, void *address, size_t address_len, uint32_t *newfd, uint32_t *address_used)
    __attribute__((import_module("wasmux"), import_name("accept4")));

/* connect: in int(fd) path(path,path_len); out -; returns a WASI errno. */
int32_t __wasmux_connect(uint32_t fd, const char *path, size_t path_len)
    __attribute__((import_module("wasmux"), import_name("connect")));

/* sendmsg: in int(fd) iovs_in(iovs,iovs_len) bytes(fds,fds_size) int(flags); out u32(sent); returns a WASI errno. */
int32_t __wasmux_sendmsg(uint32_t fd, const __wasi_ciovec_t *iovs, size_t iovs_len, const void *fds, size_t fds_size, uint32_t flags, uint32_t *sent)
    __attribute__((import_module("wasmux"), import_name("sendmsg")));

/* recvmsg: in int(fd) iovs_cap(iovs,iovs_len) int(fds_size) int(flags); out iovs_out(iovs,iovs_len) u32(received) buf_out(fds,fds_size) u32(nfds) u32(msg_flags); returns a WASI errno. */
int32_t __wasmux_recvmsg(uint32_t fd, const __wasi_iovec_t *iovs, size_t iovs_len, void *fds, size_t fds_size, uint32_t flags, uint32_t *received, uint32_t *nfds, uint32_t *msg_flags)
    __attribute__((import_module("wasmux"), import_name("recvmsg")));

/* getsockname: in int(fd) int(address_len); out buf_out(address,address_len) u32(address_used); returns a WASI errno. */
int32_t __wasmux_getsockname(uint32_t fd, void *address, size_t address_len, uint32_t *address_used)
    __attribute__((import_module("wasmux"), import_name("getsockname")));

/* getpeername: in int(fd) int(address_len); out buf_out(address,address_len) u32(address_used); returns a WASI errno. */
int32_t __wasmux_getpeername(uint32_t fd, void *address, size_t address_len, uint32_t *address_used)
    __attribute__((import_module("wasmux"), import_name("getpeername")));

/* getsockopt: in int(fd) int(level) int(name) int(value_len); out buf_out(value,value_len) u32(value_used); returns a WASI errno. */
int32_t __wasmux_getsockopt(uint32_t fd, uint32_t level, uint32_t name, void *value, size_t value_len, uint32_t *value_used)
    __attribute__((import_module("wasmux"), import_name("getsockopt")));

/* setsockopt: in int(fd) int(level) int(name) bytes(value,value_len); out -; returns a WASI errno. */
int32_t __wasmux_setsockopt(uint32_t fd, uint32_t level, uint32_t name, const void *value, size_t value_len)
    __attribute__((import_module("wasmux"), import_name("setsockopt")));

/* stat: in int(fd) path(path,path_len) int(flags); out struct:filestat(filestat) u32(mode); returns a WASI errno. */
int32_t __wasmux_stat(uint32_t fd, const char *path, size_t path_len, uint32_t flags, __wasi_filestat_t *filestat, uint32_t *mode)
    __attribute__((import_module("wasmux"), import_name("stat")));

/* fstat: in int(fd); out struct:filestat(filestat) u32(mode); returns a WASI errno. */
int32_t __wasmux_fstat(uint32_t fd, __wasi_filestat_t *filestat, uint32_t *mode)
    __attribute__((import_module("wasmux"), import_name("fstat")));

/* chmod: in int(fd) path(path,path_len) int(mode) int(flags); out -; returns a WASI errno. */
int32_t __wasmux_chmod(uint32_t fd, const char *path, size_t path_len, uint32_t mode, uint32_t flags)
    __attribute__((import_module("wasmux"), import_name("chmod")));

/* fchmod: in int(fd) int(mode); out -; returns a WASI errno. */
int32_t __wasmux_fchmod(uint32_t fd, uint32_t mode)
    __attribute__((import_module("wasmux"), import_name("fchmod")));

/* open: in int(fd) path(path,path_len) int(flags) int(mode); out u32(newfd); returns a WASI errno. */
int32_t __wasmux_open(uint32_t fd, const char *path, size_t path_len, uint32_t flags, uint32_t mode, uint32_t *newfd)
    __attribute__((import_module("wasmux"), import_name("open")));

/* mkdir: in int(fd) path(path,path_len) int(mode); out -; returns a WASI errno. */
int32_t __wasmux_mkdir(uint32_t fd, const char *path, size_t path_len, uint32_t mode)
    __attribute__((import_module("wasmux"), import_name("mkdir")));

/* statfs: in int(fd) path(path,path_len); out u32(block_size) u64(blocks) u64(blocks_free); returns a WASI errno. */
int32_t __wasmux_statfs(uint32_t fd, const char *path, size_t path_len, uint32_t *block_size, uint64_t *blocks, uint64_t *blocks_free)
    __attribute__((import_module("wasmux"), import_name("statfs")));

/* uname: in int(buf_len); out buf_out(buf,buf_len) u32(len); returns a WASI errno. */
int32_t __wasmux_uname(void *buf, size_t buf_len, uint32_t *len)
    __attribute__((import_module("wasmux"), import_name("uname")));

/* sethostname: in bytes(name,name_len); out -; returns a WASI errno. */
int32_t __wasmux_sethostname(const void *name, size_t name_len)
    __attribute__((import_module("wasmux"), import_name("sethostname")));

/* sysinfo: in -; out u64(uptime) u64(total_memory) u64(free_memory) u32(processes); returns a WASI errno. */
int32_t __wasmux_sysinfo(uint64_t *uptime, uint64_t *total_memory, uint64_t *free_memory, uint32_t *processes)
    __attribute__((import_module("wasmux"), import_name("sysinfo")));

#ifdef __cplusplus
}
#endif

#endif
