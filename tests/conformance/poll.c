/* poll_oneoff: relative and absolute clock timeouts (elapsed at least the timeout),
 * userdata echoed, fd readiness on files and stdin winning over a long timeout, and zero
 * subscriptions. A bad fd is in wasmux_only.c (wasmtime fails the whole call). */
#include "conformance.h"

static __wasi_timestamp_t mono(void) {
    __wasi_timestamp_t t = 0;
    __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
    return t;
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t userdata, __wasi_clockid_t id,
                                       __wasi_timestamp_t timeout, __wasi_subclockflags_t flags) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = __WASI_EVENTTYPE_CLOCK;
    s.u.u.clock.id = id;
    s.u.u.clock.timeout = timeout;
    s.u.u.clock.precision = 0;
    s.u.u.clock.flags = flags;
    return s;
}

static __wasi_subscription_t fd_sub(__wasi_userdata_t userdata, __wasi_eventtype_t type,
                                    __wasi_fd_t fd) {
    __wasi_subscription_t s;
    memset(&s, 0, sizeof s);
    s.userdata = userdata;
    s.u.tag = type;
    s.u.u.fd_read.file_descriptor = fd;
    return s;
}

static int compare_events(const void *a, const void *b) {
    const __wasi_event_t *x = a, *y = b;
    return x->userdata < y->userdata ? -1 : x->userdata > y->userdata;
}

static void poll_and_print(const char *label, __wasi_subscription_t *subs, int count) {
    __wasi_event_t events[8];
    __wasi_size_t n = 0;
    if (report(label, __wasi_poll_oneoff(subs, events, count, &n)))
        return;
    qsort(events, n, sizeof events[0], compare_events);
    printf("  %u events\n", (unsigned)n);
    for (__wasi_size_t i = 0; i < n; i++)
        printf("  userdata %llu type %u error %u (%s)\n",
               (unsigned long long)events[i].userdata, events[i].type, events[i].error,
               errno_name(events[i].error));
}

int main(void) {
    const __wasi_timestamp_t ms = 1000000ull;
    __wasi_subscription_t subs[4];

    __wasi_timestamp_t start = mono();
    subs[0] = clock_sub(41, __WASI_CLOCKID_MONOTONIC, 20 * ms, 0);
    poll_and_print("relative 20ms", subs, 1);
    yesno("  waited at least 20ms", mono() - start >= 20 * ms);

    start = mono();
    subs[0] = clock_sub(42, __WASI_CLOCKID_MONOTONIC, start + 30 * ms,
                        __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    poll_and_print("absolute now+30ms", subs, 1);
    yesno("  waited until the deadline", mono() >= start + 30 * ms);

    start = mono();
    subs[0] = clock_sub(43, __WASI_CLOCKID_MONOTONIC, start - 5 * ms,
                        __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    poll_and_print("absolute deadline in the past", subs, 1);
    yesno("  returned at once", mono() - start < 1000 * ms);

    subs[0] = clock_sub(44, __WASI_CLOCKID_MONOTONIC, 0, 0);
    poll_and_print("relative zero", subs, 1);

    __wasi_timestamp_t real = 0;
    __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &real);
    start = mono();
    subs[0] = clock_sub(45, __WASI_CLOCKID_REALTIME, real + 20 * ms,
                        __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME);
    poll_and_print("absolute realtime now+20ms", subs, 1);
    yesno("  waited at least 15ms", mono() - start >= 15 * ms);

    subs[0] = clock_sub(46, __WASI_CLOCKID_MONOTONIC, 10 * ms, 0);
    subs[1] = clock_sub(47, __WASI_CLOCKID_MONOTONIC, 5000 * ms, 0);
    start = mono();
    poll_and_print("two clocks: the shorter fires", subs, 2);
    yesno("  did not wait for the longer", mono() - start < 4000 * ms);

    make_file("f", "0123456789");
    __wasi_fd_t fd;
    report("open f", open_at(ROOT, "f", 0, 0, &fd));
    /* one fd subscription per call: which of several ready ones a single call reports
     * is up to the implementation (wasmtime may return only the first to complete) */
    subs[0] = fd_sub(1, __WASI_EVENTTYPE_FD_READ, fd);
    subs[1] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 5000 * ms, 0);
    start = mono();
    poll_and_print("file readable with a long timeout", subs, 2);
    yesno("  did not wait for the timeout", mono() - start < 4000 * ms);
    subs[0] = fd_sub(3, __WASI_EVENTTYPE_FD_WRITE, fd);
    start = mono();
    poll_and_print("file writable with a long timeout", subs, 2);
    yesno("  did not wait for the timeout", mono() - start < 4000 * ms);

    subs[0] = fd_sub(5, __WASI_EVENTTYPE_FD_READ, 0);
    subs[1] = clock_sub(6, __WASI_CLOCKID_MONOTONIC, 5000 * ms, 0);
    poll_and_print("stdin (a file) readable", subs, 2);

    subs[0] = fd_sub(7, __WASI_EVENTTYPE_FD_WRITE, 1);
    poll_and_print("stdout writable", subs, 1);

    __wasi_event_t events[1];
    __wasi_size_t n = 123;
    report("zero subscriptions", __wasi_poll_oneoff(subs, events, 0, &n));
    return 0;
}
