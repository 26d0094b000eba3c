/* libwasmux: file metadata and system identity that wasi-libc cannot give.

   wasi-libc's stat family fills st_mode with the file type only (WASI has no
   permissions), its creat, mkdir and mkdirat drop the mode, and its chmod, statvfs,
   uname and gethostname fail or answer "wasi" / "(none)". libwasmux implements them
   over the kernel's `wasmux` calls under other names (stat.c, create.c, system.c),
   and programs are compiled with these renames. They are object-like, so a
   function used as a value (`follow ? stat : lstat`) is renamed too; `struct stat`
   and `struct statvfs` become `struct __wasmux_libc_stat` and so on, which is the
   same layout under another tag. */
#ifndef WASMUX_STAT_H
#define WASMUX_STAT_H

#ifndef WASMUX_BUILDING_LIBRARY
#define stat __wasmux_libc_stat
#define lstat __wasmux_libc_lstat
#define fstat __wasmux_libc_fstat
#define fstatat __wasmux_libc_fstatat
#define access __wasmux_libc_access
#define faccessat __wasmux_libc_faccessat
#define chmod __wasmux_libc_chmod
#define fchmod __wasmux_libc_fchmod
#define fchmodat __wasmux_libc_fchmodat
#define creat __wasmux_libc_creat
#define mkdir __wasmux_libc_mkdir
#define mkdirat __wasmux_libc_mkdirat
#define statvfs __wasmux_libc_statvfs
#define fstatvfs __wasmux_libc_fstatvfs
#define uname __wasmux_libc_uname
#define gethostname __wasmux_libc_gethostname
#endif

#endif
