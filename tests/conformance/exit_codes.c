/* Exit statuses: returning from main, exit() flushing stdio, and the raw proc_exit,
 * with the status taken from argv[1] and the way from argv[2]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
    int status = argc > 1 ? atoi(argv[1]) : 0;
    const char *how = argc > 2 ? argv[2] : "return";
    printf("exiting with %d by %s\n", status, how);
    if (strcmp(how, "exit") == 0)
        exit(status);
    if (strcmp(how, "proc_exit") == 0) {
        fflush(stdout);
        __wasi_proc_exit((__wasi_exitcode_t)status);
    }
    return status;
}
