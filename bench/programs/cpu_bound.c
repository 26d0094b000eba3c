/* cpu_bound ROUNDS: a CPU-bound loop (xorshift into a table, then sums), timed by the
 * monotonic clock around the loop only; prints "ns N checksum C". The same module runs
 * inside Wasmux and bare in the page (bench/browser.py). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SIZE 4096

static uint32_t table[SIZE];

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 100;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint32_t state = 2463534242u, sum = 0;
    for (long round = 0; round < rounds; round++) {
        for (int i = 0; i < SIZE; i++) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            table[i] = state;
        }
        for (int i = 0; i < SIZE; i++)
            sum += table[(table[i] + sum) % SIZE] >> 3;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("ns %.0f checksum %u\n", ns, sum);
    return 0;
}
