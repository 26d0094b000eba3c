/* libwasmux: resource limits. Wasmux has fixed limits: open files (1024) and the
   process count (256, enforced by the kernel); everything else is unlimited. They can
   be read; setting a limit to anything but its fixed value fails with EPERM. */
#define WASMUX_BUILDING_LIBRARY 1
#include <sys/resource.h>

#include "internal.h"

static rlim_t fixed_limit(int resource) {
    switch (resource) {
    case RLIMIT_NOFILE: return 1024;
    case RLIMIT_NPROC: return 256;
    default: return RLIM_INFINITY;
    }
}

int getrlimit(int resource, struct rlimit *limit) {
    if (resource < 0 || resource >= RLIM_NLIMITS) {
        errno = EINVAL;
        return -1;
    }
    limit->rlim_cur = limit->rlim_max = fixed_limit(resource);
    return 0;
}

int setrlimit(int resource, const struct rlimit *limit) {
    if (resource < 0 || resource >= RLIM_NLIMITS) {
        errno = EINVAL;
        return -1;
    }
    rlim_t fixed = fixed_limit(resource);
    if (limit->rlim_cur != fixed || limit->rlim_max != fixed) {
        errno = EPERM;
        return -1;
    }
    return 0;
}
