/* libwasmux: working directory kept in the kernel.

   wasi-libc resolves relative paths against its own copy of the working directory, so
   chdir is renamed here: __wasmux_chdir changes the kernel's directory first and then
   wasi-libc's copy, keeping both in step. fchdir and the kernel's getcwd are new. */
#ifndef WASMUX_CWD_H
#define WASMUX_CWD_H

#ifdef __cplusplus
extern "C" {
#endif

int __wasmux_libc_chdir(const char *path);

#ifndef WASMUX_BUILDING_LIBRARY
#define chdir __wasmux_libc_chdir
#endif

#ifdef __cplusplus
}
#endif

#endif
