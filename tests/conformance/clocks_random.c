/* clock_res_get / clock_time_get on the realtime and monotonic clocks (the CPU-time
 * clocks and bad ids are in wasmux_only.c: wasmtime answers EBADF or traps), monotonic order,
 * random_get of several sizes, and sched_yield. */
#include "conformance.h"

int main(void) {
    const char *names[] = {"realtime", "monotonic"};
    for (__wasi_clockid_t id = 0; id < 2; id++) {
        __wasi_timestamp_t res = 0, t = 0;
        char label[64];
        snprintf(label, sizeof label, "clock_res_get %s", names[id]);
        if (report(label, __wasi_clock_res_get(id, &res)) == 0)
            yesno("  resolution positive and at most 1s", res > 0 && res <= 1000000000ull);
        snprintf(label, sizeof label, "clock_time_get %s", names[id]);
        if (report(label, __wasi_clock_time_get(id, 1, &t)) == 0)
            yesno("  time positive", t > 0);
    }
    __wasi_timestamp_t t;

    __wasi_timestamp_t real = 0;
    __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &real);
    yesno("realtime after 2020", real > 1577836800ull * 1000000000ull);
    __wasi_timestamp_t previous = 0;
    int monotonic = 1;
    for (int i = 0; i < 1000; i++) {
        __wasi_timestamp_t m = 0;
        __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 0, &m);
        if (m < previous)
            monotonic = 0;
        previous = m;
    }
    yesno("monotonic never goes back", monotonic);

    uint8_t a[1000], b[1000];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    report("random_get 0", __wasi_random_get(a, 0));
    report("random_get 1000", __wasi_random_get(a, sizeof a));
    report("random_get 1000 again", __wasi_random_get(b, sizeof b));
    int zeros = 0;
    for (int i = 0; i < 1000; i++)
        zeros += a[i] == 0;
    yesno("random bytes are not mostly zero", zeros < 50);
    yesno("two draws differ", memcmp(a, b, sizeof a) != 0);
    memset(a, 0xAA, 32);
    report("random_get 7", __wasi_random_get(a, 7));
    yesno("bytes past the request untouched", a[7] == 0xAA && a[31] == 0xAA);
    report("sched_yield", __wasi_sched_yield());
    return 0;
}
