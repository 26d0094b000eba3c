/* libwasmux: system identity and statistics: uname, gethostname, sethostname and
   sysinfo, over the kernel's `wasmux` uname, sethostname and sysinfo calls (programs
   reach uname and gethostname through the renames of <wasmux/stat.h>). */
#define WASMUX_BUILDING_LIBRARY 1
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "internal.h"

enum { FIELDS = 5, UNAME_BUFFER = FIELDS * 65 };

/* Copy the next NUL-ended field of `*cursor` (bounded by `end`) into `field`. */
static void take_field(const char **cursor, const char *end, char field[65]) {
    size_t length = strnlen(*cursor, (size_t)(end - *cursor));
    size_t kept = length < 64 ? length : 64;
    memcpy(field, *cursor, kept);
    field[kept] = '\0';
    *cursor += length < (size_t)(end - *cursor) ? length + 1 : length;
}

int __wasmux_libc_uname(struct utsname *name) {
    char buffer[UNAME_BUFFER];
    uint32_t length;
    if (__wasmux_status(__wasmux_uname(buffer, sizeof buffer, &length)))
        return -1;
    const char *cursor = buffer, *end = buffer + (length < sizeof buffer ? length : sizeof buffer);
    memset(name, 0, sizeof *name);
    take_field(&cursor, end, name->sysname);
    take_field(&cursor, end, name->nodename);
    take_field(&cursor, end, name->release);
    take_field(&cursor, end, name->version);
    take_field(&cursor, end, name->machine);
    return 0;
}

/* The host name, truncated to `length` bytes (NUL-ended when it fits), as glibc. */
int __wasmux_libc_gethostname(char *buffer, size_t length) {
    struct utsname name;
    if (__wasmux_libc_uname(&name) != 0)
        return -1;
    size_t size = strlen(name.nodename) + 1;
    memcpy(buffer, name.nodename, size < length ? size : length);
    if (size > length) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int sethostname(const char *name, size_t length) {
    return __wasmux_status(__wasmux_sethostname(name, length));
}

int sysinfo(struct sysinfo *info) {
    uint64_t uptime, total, free_memory;
    uint32_t processes;
    if (__wasmux_status(__wasmux_sysinfo(&uptime, &total, &free_memory, &processes)))
        return -1;
    memset(info, 0, sizeof *info);
    info->uptime = (long)uptime;
    info->totalram = (unsigned long)total;
    info->freeram = (unsigned long)free_memory;
    info->procs = (unsigned short)processes;
    info->mem_unit = 1;
    return 0;
}
