/* libwasmux: temporary files (mkstemp, mkdtemp, mktemp), named from random_get. Files
   are made mode 0600 and directories 0700 (minus the umask, as on Linux). */
#define WASMUX_BUILDING_LIBRARY 1
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

enum { ATTEMPTS = 100 };

/* Fill the trailing "XXXXXX" of `template` with random letters; -1 and EINVAL when
   the template does not end in six X's. */
static int randomise(char *template) {
    static const char letters[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t length = strlen(template);
    if (length < 6 || strcmp(template + length - 6, "XXXXXX") != 0) {
        errno = EINVAL;
        return -1;
    }
    unsigned char random[6];
    if (getentropy(random, sizeof random) != 0)
        return -1;
    for (int i = 0; i < 6; i++)
        template[length - 6 + i] = letters[random[i] % (sizeof letters - 1)];
    return 0;
}

int mkostemp(char *template, int flags) {
    size_t length = strlen(template);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (randomise(template) != 0)
            return -1;
        int fd = __wasmux_open_mode(AT_FDCWD, template, O_RDWR | O_CREAT | O_EXCL | flags,
                                    0600);
        if (fd >= 0 || errno != EEXIST)
            return fd;
        memcpy(template + length - 6, "XXXXXX", 6);
    }
    errno = EEXIST;
    return -1;
}

int mkstemp(char *template) {
    return mkostemp(template, 0);
}

char *mkdtemp(char *template) {
    size_t length = strlen(template);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (randomise(template) != 0)
            return NULL;
        if (__wasmux_libc_mkdir(template, 0700) == 0)
            return template;
        if (errno != EEXIST)
            return NULL;
        memcpy(template + length - 6, "XXXXXX", 6);
    }
    errno = EEXIST;
    return NULL;
}

/* mktemp: a name that did not exist when checked (racy by definition). */
char *mktemp(char *template) {
    struct stat status;
    size_t length = strlen(template);
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (randomise(template) != 0) {
            template[0] = '\0';
            return template;
        }
        if (lstat(template, &status) != 0 && errno == ENOENT)
            return template;
        memcpy(template + length - 6, "XXXXXX", 6);
    }
    template[0] = '\0';
    return template;
}
