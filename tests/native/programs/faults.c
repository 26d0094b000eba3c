/* faults MODE: misbehaves in the way MODE names, for the native host's fault tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#define FAR_AWAY 0xFFFFFF00u  /* far beyond any test program's memory */

static volatile int zero = 0;
static volatile unsigned long spins = 0;

static int recurse(int depth) {
    volatile char frame[256];
    frame[0] = (char)depth;
    return recurse(depth + 1) + frame[0];
}

static void report(const char *what, __wasi_errno_t error) {
    printf("%s %d\n", what, error);
}

static int bad_pointers(void) {
    __wasi_size_t written = 0;
    __wasi_ciovec_t good = {(const uint8_t *)"x", 1};
    __wasi_ciovec_t bad_buffer = {(const uint8_t *)FAR_AWAY, 16};
    report("fd_write_bad_iovs", __wasi_fd_write(1, (const __wasi_ciovec_t *)FAR_AWAY, 1, &written));
    report("fd_write_bad_buffer", __wasi_fd_write(1, &bad_buffer, 1, &written));
    report("fd_write_bad_nwritten", __wasi_fd_write(1, &good, 1, (__wasi_size_t *)FAR_AWAY));
    report("fd_write_wrapping_iovs", __wasi_fd_write(1, (const __wasi_ciovec_t *)0xFFFFFFFCu, 2, &written));
    __wasi_iovec_t into = {(uint8_t *)FAR_AWAY, 16};
    __wasi_size_t got = 0;
    report("fd_read_bad_buffer", __wasi_fd_read(0, &into, 1, &got));
    report("args_get_bad", __wasi_args_get((uint8_t **)FAR_AWAY, (uint8_t *)FAR_AWAY));
    report("clock_time_get_bad", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, (__wasi_timestamp_t *)FAR_AWAY));
    report("random_get_bad", __wasi_random_get((uint8_t *)FAR_AWAY, 8));
    report("fd_write_still_works", __wasi_fd_write(2, &good, 1, &written));
    printf("\n");
    return 0;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "unreachable") == 0)
        __builtin_trap();
    if (strcmp(mode, "out_of_bounds") == 0)
        return *(volatile int *)FAR_AWAY;
    if (strcmp(mode, "divide_by_zero") == 0)
        return (argc + 100) / zero;
    if (strcmp(mode, "stack_overflow") == 0)
        return recurse(0);
    if (strcmp(mode, "spin") == 0) {
        printf("spinning\n");
        fflush(stdout);
        for (;;)
            spins++;
    }
    if (strcmp(mode, "read_stdin") == 0) {
        char byte;
        return (int)read(0, &byte, 1);
    }
    if (strcmp(mode, "sleep") == 0) {
        usleep(20000);
        return 0;
    }
    if (strcmp(mode, "bad_pointers") == 0)
        return bad_pointers();
    if (strcmp(mode, "exit") == 0)
        exit(argc > 2 ? atoi(argv[2]) : 0);
    fprintf(stderr, "faults: unknown mode %s\n", mode);
    return 2;
}
