/* browser_bench: the worker-level browser benchmarks' guest side (bench/browser.py).
 * Each mode times itself with the monotonic clock and prints one "name value" line.
 *   null COUNT          COUNT sched_yield calls            -> ns_per_call
 *   spawn COUNT PATH    spawn PATH and wait for it, COUNT times -> median_ms
 *   source BYTES        write BYTES of zeros to stdout in 1 MiB calls
 *   sink                read stdin to EOF in 1 MiB calls, from the first byte -> mb_per_s
 *   write PATH BYTES    create PATH, write BYTES in 1 MiB calls, close -> mb_per_s
 *   read PATH BYTES     read BYTES of PATH in 1 MiB calls, from its start again
 *                       at its end (BYTES may exceed its size) -> mb_per_s
 * Every mode first sleeps SETTLE_US, then times: the terminal has drawn the command line
 * by then (in Chromium pinned to one CPU, drawing it took about 8 ms of a 60-80 ms timed
 * read; the raw OPFS baselines run with no terminal activity).
 * Spawn uses the raw wasmux calls (no libwasmux needed). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>
#include <wasmux/syscalls.h>

#define CHUNK (1 << 20)
#define SETTLE_US 100000

static char buffer[CHUNK];

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int spawn_and_wait(const char *path) {
    char argv[256];
    size_t length = strlen(path) + 1;
    if (length > sizeof argv)
        return 1;
    memcpy(argv, path, length);
    uint32_t pid, waited, status;
    if (__wasmux_spawn(path, length - 1, argv, length, "", 0, "", 0, 0, 0, 0, 0, &pid))
        return 1;
    if (__wasmux_wait4((int32_t)pid, 0, &waited, &status))
        return 1;
    return status != 0;
}

static double rate(double bytes, double ns) {
    return bytes / (ns / 1e9) / 1e6;
}

int main(int argc, char **argv) {
    usleep(SETTLE_US);
    if (argc == 3 && strcmp(argv[1], "null") == 0) {
        long count = atol(argv[2]);
        double start = now_ns();
        for (long i = 0; i < count; i++)
            __wasi_sched_yield();
        printf("ns_per_call %.1f\n", (now_ns() - start) / count);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "spawn") == 0) {
        int count = atoi(argv[2]);
        double *times = calloc(count, sizeof *times);
        for (int i = 0; i < count; i++) {
            double start = now_ns();
            if (spawn_and_wait(argv[3]))
                return 3;
            times[i] = now_ns() - start;
        }
        qsort(times, count, sizeof *times, compare);
        printf("median_ms %.3f\n", times[count / 2] / 1e6);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "source") == 0) {
        long long total = atoll(argv[2]);
        for (long long done = 0; done < total;) {
            size_t want = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
            ssize_t moved = write(1, buffer, want);
            if (moved <= 0)
                return 4;
            done += moved;
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "sink") == 0) {
        double start = 0;
        long long total = 0;
        for (;;) {
            ssize_t moved = read(0, buffer, CHUNK);
            if (moved < 0)
                return 4;
            if (moved == 0)
                break;
            if (total == 0)
                start = now_ns();
            total += moved;
        }
        printf("mb_per_s %.1f bytes %lld\n", rate(total, now_ns() - start), total);
        return 0;
    }
    if (argc == 4 && (strcmp(argv[1], "write") == 0 || strcmp(argv[1], "read") == 0)) {
        int writing = argv[1][0] == 'w';
        long long total = atoll(argv[3]);
        double start = now_ns();
        int fd = open(argv[2], writing ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY, 0644);
        if (fd < 0)
            return 3;
        for (long long done = 0; done < total;) {
            size_t want = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
            ssize_t moved = writing ? write(fd, buffer, want) : read(fd, buffer, want);
            if (moved == 0 && !writing && done > 0) {  /* end of file: read it again */
                if (lseek(fd, 0, SEEK_SET) != 0)
                    return 4;
                continue;
            }
            if (moved <= 0)
                return 4;
            done += moved;
        }
        if (close(fd))
            return 5;
        printf("mb_per_s %.1f\n", rate(total, now_ns() - start));
        return 0;
    }
    fprintf(stderr, "usage: see bench/programs/browser_bench.c\n");
    return 2;
}
