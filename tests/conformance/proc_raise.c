/* proc_raise (Wasmux alone: wasmtime's built-in WASI traps on every proc_raise).
 * argv[1] is the WASI signal number; signal 0 only checks that raising works, a
 * default-fatal signal ends the process, and an out-of-range number is EINVAL. */
#include "conformance.h"

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
int32_t raw_proc_raise(int32_t sig);

int main(int argc, char **argv) {
    int sig = argc > 1 ? atoi(argv[1]) : 0;
    printf("raising %d\n", sig);
    fflush(stdout);
    report("proc_raise", (__wasi_errno_t)raw_proc_raise(sig));
    return 0;
}
