"""The one declaration of every syscall: WASI preview1 and the `wasmux` extension.

Layer: ABI data; imported by the kernel dispatcher, the native host (which builds its
marshalling from it), and `abi.generate` (which writes kernel/abi.gen.js and
rootfs-build/include/wasmux/syscalls.h from it).

A syscall has flat wasm parameters (all i32 unless named in `i64`), and two lists of
views over them: `ins`, the decoded values handed to the handler in order, and `outs`,
the values the handler returns (a tuple, in order) that the edge writes back into guest
memory. Every call returns an i32 errno except the `noreturn` ones.

View kinds (the edge's contract):
  int(p)            p as an unsigned integer (i32 or i64)
  sint(p)           p as a signed integer
  path(ptr, len)    guest bytes decoded as UTF-8 -> str (EILSEQ if invalid)
  bytes(ptr, len)   guest bytes -> bytes
  iovs_in(ptr, n)   gathered bytes of n iovecs -> bytes
  iovs_cap(ptr, n)  total capacity of n iovecs -> int
  subs(ptr, n)      n subscription records -> list of tuples in layout order
 outs:
  u32(ptr), u64(ptr)       an int stored little-endian
  struct:NAME(ptr)         a tuple packed with wasi.LAYOUTS[NAME]
  iovs_out(ptr, n)         bytes scattered over the iovecs (at most their capacity)
  buf_out(ptr, len)        bytes copied to ptr (at most len)
  events(ptr)              a list of event tuples packed consecutively
  strings(ptrs, buf)       a list of bytes: NUL-terminated copies in buf, pointers in ptrs
"""

from __future__ import annotations

from dataclasses import dataclass

WASI = "wasi_snapshot_preview1"
WASMUX = "wasmux"


@dataclass(frozen=True, slots=True)
class View:
    kind: str
    params: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Syscall:
    number: int
    module: str
    name: str
    params: tuple[str, ...]
    i64: frozenset[str]
    ins: tuple[View, ...]
    outs: tuple[View, ...]
    noreturn: bool

    def wasm_param_types(self) -> tuple[str, ...]:
        return tuple("i64" if p in self.i64 else "i32" for p in self.params)


def _views(spec: str) -> tuple[View, ...]:
    """'int(fd) path(path,path_len)' -> (View('int', ('fd',)), View('path', ...))."""
    views = []
    for item in spec.split():
        kind, _, rest = item.partition("(")
        views.append(View(kind, tuple(rest.rstrip(")").split(","))))
    return tuple(views)


SYSCALLS: list[Syscall] = []
BY_NAME: dict[tuple[str, str], Syscall] = {}


def _declare(module: str, name: str, params: str, ins: str = "", outs: str = "",
             i64: str = "", noreturn: bool = False) -> None:
    call = Syscall(len(SYSCALLS), module, name, tuple(params.split()), frozenset(i64.split()),
                   _views(ins), _views(outs), noreturn)
    names = set(call.params)
    for view in call.ins + call.outs:
        assert set(view.params) <= names, (name, view)
    SYSCALLS.append(call)
    BY_NAME[(module, name)] = call


def wasi(name: str, params: str, ins: str = "", outs: str = "", i64: str = "",
         noreturn: bool = False) -> None:
    _declare(WASI, name, params, ins, outs, i64, noreturn)


def wasmux(name: str, params: str, ins: str = "", outs: str = "", i64: str = "") -> None:
    _declare(WASMUX, name, params, ins, outs, i64)


# --- WASI preview1: all 46 functions, in the spec's order ---
wasi("args_get", "argv argv_buf", outs="strings(argv,argv_buf)")
wasi("args_sizes_get", "argc argv_buf_size", outs="u32(argc) u32(argv_buf_size)")
wasi("environ_get", "environ environ_buf", outs="strings(environ,environ_buf)")
wasi("environ_sizes_get", "environc environ_buf_size",
     outs="u32(environc) u32(environ_buf_size)")
wasi("clock_res_get", "id resolution", ins="int(id)", outs="u64(resolution)")
wasi("clock_time_get", "id precision time", ins="int(id) int(precision)", outs="u64(time)",
     i64="precision")
wasi("fd_advise", "fd offset len advice", ins="int(fd) int(offset) int(len) int(advice)",
     i64="offset len")
wasi("fd_allocate", "fd offset len", ins="int(fd) int(offset) int(len)", i64="offset len")
wasi("fd_close", "fd", ins="int(fd)")
wasi("fd_datasync", "fd", ins="int(fd)")
wasi("fd_fdstat_get", "fd stat", ins="int(fd)", outs="struct:fdstat(stat)")
wasi("fd_fdstat_set_flags", "fd flags", ins="int(fd) int(flags)")
wasi("fd_fdstat_set_rights", "fd fs_rights_base fs_rights_inheriting",
     ins="int(fd) int(fs_rights_base) int(fs_rights_inheriting)",
     i64="fs_rights_base fs_rights_inheriting")
wasi("fd_filestat_get", "fd buf", ins="int(fd)", outs="struct:filestat(buf)")
wasi("fd_filestat_set_size", "fd size", ins="int(fd) int(size)", i64="size")
wasi("fd_filestat_set_times", "fd atim mtim fst_flags",
     ins="int(fd) int(atim) int(mtim) int(fst_flags)", i64="atim mtim")
wasi("fd_pread", "fd iovs iovs_len offset nread", ins="int(fd) iovs_cap(iovs,iovs_len) int(offset)",
     outs="iovs_out(iovs,iovs_len) u32(nread)", i64="offset")
wasi("fd_prestat_get", "fd buf", ins="int(fd)", outs="struct:prestat(buf)")
wasi("fd_prestat_dir_name", "fd path path_len", ins="int(fd) int(path_len)",
     outs="buf_out(path,path_len)")
wasi("fd_pwrite", "fd iovs iovs_len offset nwritten",
     ins="int(fd) iovs_in(iovs,iovs_len) int(offset)", outs="u32(nwritten)", i64="offset")
wasi("fd_read", "fd iovs iovs_len nread", ins="int(fd) iovs_cap(iovs,iovs_len)",
     outs="iovs_out(iovs,iovs_len) u32(nread)")
wasi("fd_readdir", "fd buf buf_len cookie bufused", ins="int(fd) int(buf_len) int(cookie)",
     outs="buf_out(buf,buf_len) u32(bufused)", i64="cookie")
wasi("fd_renumber", "fd to", ins="int(fd) int(to)")
wasi("fd_seek", "fd offset whence newoffset", ins="int(fd) sint(offset) int(whence)",
     outs="u64(newoffset)", i64="offset")
wasi("fd_sync", "fd", ins="int(fd)")
wasi("fd_tell", "fd offset", ins="int(fd)", outs="u64(offset)")
wasi("fd_write", "fd iovs iovs_len nwritten", ins="int(fd) iovs_in(iovs,iovs_len)",
     outs="u32(nwritten)")
wasi("path_create_directory", "fd path path_len", ins="int(fd) path(path,path_len)")
wasi("path_filestat_get", "fd flags path path_len buf",
     ins="int(fd) int(flags) path(path,path_len)", outs="struct:filestat(buf)")
wasi("path_filestat_set_times", "fd flags path path_len atim mtim fst_flags",
     ins="int(fd) int(flags) path(path,path_len) int(atim) int(mtim) int(fst_flags)",
     i64="atim mtim")
wasi("path_link", "old_fd old_flags old_path old_path_len new_fd new_path new_path_len",
     ins="int(old_fd) int(old_flags) path(old_path,old_path_len) int(new_fd) "
         "path(new_path,new_path_len)")
wasi("path_open",
     "fd dirflags path path_len oflags fs_rights_base fs_rights_inheriting fdflags opened_fd",
     ins="int(fd) int(dirflags) path(path,path_len) int(oflags) int(fs_rights_base) "
         "int(fs_rights_inheriting) int(fdflags)",
     outs="u32(opened_fd)", i64="fs_rights_base fs_rights_inheriting")
wasi("path_readlink", "fd path path_len buf buf_len bufused",
     ins="int(fd) path(path,path_len) int(buf_len)", outs="buf_out(buf,buf_len) u32(bufused)")
wasi("path_remove_directory", "fd path path_len", ins="int(fd) path(path,path_len)")
wasi("path_rename", "fd old_path old_path_len new_fd new_path new_path_len",
     ins="int(fd) path(old_path,old_path_len) int(new_fd) path(new_path,new_path_len)")
wasi("path_symlink", "old_path old_path_len fd new_path new_path_len",
     ins="path(old_path,old_path_len) int(fd) path(new_path,new_path_len)")
wasi("path_unlink_file", "fd path path_len", ins="int(fd) path(path,path_len)")
wasi("poll_oneoff", "in out nsubscriptions nevents", ins="subs(in,nsubscriptions)",
     outs="events(out) u32(nevents)")
wasi("proc_exit", "rval", ins="int(rval)", noreturn=True)
wasi("proc_raise", "sig", ins="int(sig)")
wasi("sched_yield", "")
wasi("random_get", "buf buf_len", ins="int(buf_len)", outs="buf_out(buf,buf_len)")
wasi("sock_accept", "fd flags result_fd", ins="int(fd) int(flags)", outs="u32(result_fd)")
wasi("sock_recv", "fd ri_data ri_data_len ri_flags ro_datalen ro_flags",
     ins="int(fd) iovs_cap(ri_data,ri_data_len) int(ri_flags)",
     outs="iovs_out(ri_data,ri_data_len) u32(ro_datalen) u32(ro_flags)")
wasi("sock_send", "fd si_data si_data_len si_flags so_datalen",
     ins="int(fd) iovs_in(si_data,si_data_len) int(si_flags)", outs="u32(so_datalen)")
wasi("sock_shutdown", "fd how", ins="int(fd) int(how)")

# --- wasmux extension: POSIX calls WASI lacks ---
wasmux("getpid", "pid", outs="u32(pid)")
wasmux("getppid", "pid", outs="u32(pid)")
# Processes (libwasmux: posix_spawn, vfork/execve/_exit, waitpid). Argument vectors are
# `bytes` holding NUL-terminated strings back to back. `actions` is a packed list of
# file-action records, each five little-endian i32 (kind, fd, arg1, arg2, path_len)
# followed by path_len path bytes: kind 1 close(fd), 2 dup2(fd, arg1), 3 open(fd, path,
# oflags=arg1 as in wasi-libc's <fcntl.h>, mode=arg2), 4 chdir(path), 5 fchdir(fd).
# flags are the POSIX_SPAWN_* bits of libwasmux's <spawn.h>; masks are signal bit sets
# (bit n-1 for signal n).
wasmux("spawn", "path path_len argv argv_len envp envp_len actions actions_len flags pgid "
       "sigmask sigdefault pid",
       ins="path(path,path_len) bytes(argv,argv_len) bytes(envp,envp_len) "
           "bytes(actions,actions_len) int(flags) int(pgid) int(sigmask) int(sigdefault)",
       outs="u32(pid)", i64="sigmask sigdefault")
# vfork: after vfork_begin the calling process acts on a snapshot of its fd table, cwd,
# umask and signal state (the child's); vfork_exec spawns the child from that state and
# vfork_exit makes it a zombie with `status`; both restore the parent's state.
wasmux("vfork_begin", "")
wasmux("vfork_exec", "path path_len argv argv_len envp envp_len pid",
       ins="path(path,path_len) bytes(argv,argv_len) bytes(envp,envp_len)", outs="u32(pid)")
wasmux("vfork_exit", "status pid", ins="int(status)", outs="u32(pid)")
# execve in place (outside a vfork child): on success the caller's image is replaced
# and the call never returns; pid, parent, group, session, fds (minus close-on-exec),
# cwd, umask, mask, pending and ignored signals are kept, caught ones reset to default.
wasmux("execve", "path path_len argv argv_len envp envp_len",
       ins="path(path,path_len) bytes(argv,argv_len) bytes(envp,envp_len)")
wasmux("wait4", "pid options waited status", ins="sint(pid) int(options)",
       outs="u32(waited) u32(status)")
# File descriptors beyond WASI.
wasmux("pipe2", "flags read_fd write_fd", ins="int(flags)", outs="u32(read_fd) u32(write_fd)")
wasmux("dup", "fd newfd", ins="int(fd)", outs="u32(newfd)")
wasmux("dup3", "fd newfd flags", ins="int(fd) int(newfd) int(flags)")
wasmux("fcntl", "fd cmd arg result", ins="int(fd) int(cmd) sint(arg)", outs="u32(result)")
wasmux("ioctl", "fd request arg arg_len result", ins="int(fd) int(request) bytes(arg,arg_len)",
       outs="buf_out(arg,arg_len) u32(result)")
# Signals. disposition: 0 default, 1 ignore, 2 caught (libwasmux keeps the handler and
# the kernel calls its exported trampoline); with change=0 sigaction only reads.
wasmux("kill", "pid sig", ins="sint(pid) int(sig)")
wasmux("sigaction", "sig change disposition flags mask old_disposition old_flags old_mask",
       ins="int(sig) int(change) int(disposition) int(flags) int(mask)",
       outs="u32(old_disposition) u32(old_flags) u64(old_mask)", i64="mask")
wasmux("sigprocmask", "how mask old_mask", ins="int(how) int(mask)", outs="u64(old_mask)",
       i64="mask")
wasmux("sigpending", "mask", outs="u64(mask)")
wasmux("sigsuspend", "mask", ins="int(mask)", i64="mask")
wasmux("alarm", "seconds remaining", ins="int(seconds)", outs="u32(remaining)")
# Working directory and file creation mask, kept in the kernel and inherited.
wasmux("chdir", "path path_len", ins="path(path,path_len)")
wasmux("fchdir", "fd", ins="int(fd)")
wasmux("getcwd", "buf buf_len len", ins="int(buf_len)", outs="buf_out(buf,buf_len) u32(len)")
wasmux("umask", "mask old_mask", ins="int(mask)", outs="u32(old_mask)")
# Process groups and sessions (the terminal's foreground group goes through ioctl).
wasmux("setpgid", "pid pgid", ins="int(pid) int(pgid)")
wasmux("getpgid", "pid pgid", ins="int(pid)", outs="u32(pgid)")
wasmux("setsid", "sid", outs="u32(sid)")
wasmux("getsid", "pid sid", ins="int(pid)", outs="u32(sid)")
# AF_UNIX stream sockets (libwasmux: socket.c; kernel: syscalls/socket.py). Constants are
# wasi-libc's as programs pass them: AF_UNIX 3, SOCK_STREAM 6 | SOCK_NONBLOCK 0x4000 |
# SOCK_CLOEXEC 0x2000, SOL_SOCKET 0x7fffffff with Linux's SO_* numbers, MSG_PEEK 1,
# MSG_WAITALL 2, and Linux's MSG_DONTWAIT 0x40, MSG_NOSIGNAL 0x4000, MSG_CMSG_CLOEXEC
# 0x40000000 (in) and MSG_CTRUNC 8 (out). An address is a socket's path (sun_path);
# *_used is its full length. SCM_RIGHTS descriptors travel as arrays of little-endian
# u32 (fds_size bytes; recvmsg returns nfds of them). shutdown is WASI's sock_shutdown.
wasmux("socket", "domain type protocol fd", ins="int(domain) int(type) int(protocol)",
       outs="u32(fd)")
wasmux("socketpair", "domain type protocol fd0 fd1",
       ins="int(domain) int(type) int(protocol)", outs="u32(fd0) u32(fd1)")
wasmux("bind", "fd path path_len", ins="int(fd) path(path,path_len)")
wasmux("listen", "fd backlog", ins="int(fd) sint(backlog)")
wasmux("accept4", "fd flags address address_len newfd address_used",
       ins="int(fd) int(flags) int(address_len)",
       outs="u32(newfd) buf_out(address,address_len) u32(address_used)")
wasmux("connect", "fd path path_len", ins="int(fd) path(path,path_len)")
wasmux("sendmsg", "fd iovs iovs_len fds fds_size flags sent",
       ins="int(fd) iovs_in(iovs,iovs_len) bytes(fds,fds_size) int(flags)", outs="u32(sent)")
wasmux("recvmsg", "fd iovs iovs_len fds fds_size flags received nfds msg_flags",
       ins="int(fd) iovs_cap(iovs,iovs_len) int(fds_size) int(flags)",
       outs="iovs_out(iovs,iovs_len) u32(received) buf_out(fds,fds_size) u32(nfds) "
            "u32(msg_flags)")
wasmux("getsockname", "fd address address_len address_used", ins="int(fd) int(address_len)",
       outs="buf_out(address,address_len) u32(address_used)")
wasmux("getpeername", "fd address address_len address_used", ins="int(fd) int(address_len)",
       outs="buf_out(address,address_len) u32(address_used)")
wasmux("getsockopt", "fd level name value value_len value_used",
       ins="int(fd) int(level) int(name) int(value_len)",
       outs="buf_out(value,value_len) u32(value_used)")
wasmux("setsockopt", "fd level name value value_len",
       ins="int(fd) int(level) int(name) bytes(value,value_len)")

# File metadata WASI lacks (libwasmux: stat.c; kernel: syscalls/meta.py). `mode` is a
# full POSIX st_mode (S_IF* type bits and permission bits); `flags` bit 0 follows a
# final symbolic link (LOOKUPFLAGS_SYMLINK_FOLLOW). statfs sizes are in blocks.
wasmux("stat", "fd path path_len flags filestat mode",
       ins="int(fd) path(path,path_len) int(flags)", outs="struct:filestat(filestat) u32(mode)")
wasmux("fstat", "fd filestat mode", ins="int(fd)", outs="struct:filestat(filestat) u32(mode)")
wasmux("chmod", "fd path path_len mode flags",
       ins="int(fd) path(path,path_len) int(mode) int(flags)")
wasmux("fchmod", "fd mode", ins="int(fd) int(mode)")
# Creation with a mode (libwasmux: create.c; kernel: syscalls/path.py). WASI's path_open
# and path_create_directory take none, so open/openat/creat and mkdir/mkdirat come here:
# the new file gets `mode & 07777 & ~umask`, the new directory `mode & 01777 & ~umask`,
# applied as it is created (no window with other permissions). open's `flags` are
# wasi-libc's <fcntl.h> open flags (WASI oflags << 12, fdflags in the low 12 bits,
# O_NOFOLLOW 0x1000000, access mode O_RDONLY 0x4000000 / O_WRONLY 0x10000000 / O_EXEC /
# O_SEARCH) plus WASMUX_CLOEXEC 0x80000 for a close-on-exec descriptor; the descriptor
# gets the rights wasi-libc's openat would ask path_open for.
wasmux("open", "fd path path_len flags mode newfd",
       ins="int(fd) path(path,path_len) int(flags) int(mode)", outs="u32(newfd)")
wasmux("mkdir", "fd path path_len mode", ins="int(fd) path(path,path_len) int(mode)")
wasmux("statfs", "fd path path_len block_size blocks blocks_free",
       ins="int(fd) path(path,path_len)", outs="u32(block_size) u64(blocks) u64(blocks_free)")
# System identity and statistics (libwasmux: system.c; kernel: syscalls/system.py).
# uname fills `buf` with sysname, nodename, release, version and machine, each ended
# by a NUL.
wasmux("uname", "buf buf_len len", ins="int(buf_len)", outs="buf_out(buf,buf_len) u32(len)")
wasmux("sethostname", "name name_len", ins="bytes(name,name_len)")
wasmux("sysinfo", "uptime total_memory free_memory processes",
       outs="u64(uptime) u64(total_memory) u64(free_memory) u32(processes)")

WASI_COUNT = sum(1 for call in SYSCALLS if call.module == WASI)
assert WASI_COUNT == 46, WASI_COUNT
