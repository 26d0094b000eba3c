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

/* Functions of the "wasmux" import module (POSIX calls WASI lacks). */
/* getpid: in -; out u32(pid); returns a WASI errno. */
int32_t __wasmux_getpid(uint32_t *pid)
    __attribute__((import_module("wasmux"), import_name("getpid")));

/* getppid: in -; out u32(pid); returns a WASI errno. */
int32_t __wasmux_getppid(uint32_t *pid)
    __attribute__((import_module("wasmux"), import_name("getppid")));

#ifdef __cplusplus
}
#endif

#endif
