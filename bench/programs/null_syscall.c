/* null_syscall CALL COUNT: make COUNT calls of CALL (sched_yield or clock_time_get). */
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
    if (argc != 3)
        return 2;
    long count = atol(argv[2]);
    if (strcmp(argv[1], "sched_yield") == 0) {
        for (long i = 0; i < count; i++)
            __wasi_sched_yield();
    } else if (strcmp(argv[1], "clock_time_get") == 0) {
        __wasi_timestamp_t now;
        for (long i = 0; i < count; i++)
            __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &now);
    } else {
        return 2;
    }
    return 0;
}
