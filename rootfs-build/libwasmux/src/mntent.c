/* libwasmux: the mount table in fstab format (setmntent, getmntent, endmntent), as
   the kernel's /proc/mounts presents it. */
#define WASMUX_BUILDING_LIBRARY 1
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

FILE *setmntent(const char *path, const char *mode) {
    return fopen(path, mode);
}

int endmntent(FILE *file) {
    if (file)
        fclose(file);
    return 1;
}

/* The next entry of `file` parsed into `entry` (fields point into `buffer`). */
struct mntent *getmntent_r(FILE *file, struct mntent *entry, char *buffer, int size) {
    while (fgets(buffer, size, file)) {
        char *fields[6] = {0};
        int count = 0;
        for (char *field = strtok(buffer, " \t\n"); field && count < 6;
             field = strtok(NULL, " \t\n"))
            fields[count++] = field;
        if (count < 4 || fields[0][0] == '#')
            continue;
        entry->mnt_fsname = fields[0];
        entry->mnt_dir = fields[1];
        entry->mnt_type = fields[2];
        entry->mnt_opts = fields[3];
        entry->mnt_freq = count > 4 ? (int)strtol(fields[4], NULL, 10) : 0;
        entry->mnt_passno = count > 5 ? (int)strtol(fields[5], NULL, 10) : 0;
        return entry;
    }
    return NULL;
}

struct mntent *getmntent(FILE *file) {
    static struct mntent entry;
    static char buffer[1024];
    return getmntent_r(file, &entry, buffer, sizeof buffer);
}

char *hasmntopt(const struct mntent *entry, const char *option) {
    return strstr(entry->mnt_opts, option);
}
