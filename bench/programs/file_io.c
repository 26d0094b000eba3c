/* file_io write|read PATH BYTES: write BYTES to PATH (created or truncated), or read
 * BYTES from it, in 64 KiB calls; exits 6 when the file ends early.
 * file_io remove PATH: unlink PATH if it exists. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

static char buffer[CHUNK];

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "remove") == 0)
        return unlink(argv[2]) == 0 || errno == ENOENT ? 0 : 7;
    if (argc != 4)
        return 2;
    int writing = strcmp(argv[1], "write") == 0;
    long total = atol(argv[3]);
    int fd = open(argv[2], writing ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY, 0644);
    if (fd < 0)
        return 3;
    memset(buffer, 'x', sizeof buffer);
    for (long done = 0; done < total;) {
        size_t want = total - done < CHUNK ? (size_t)(total - done) : CHUNK;
        ssize_t moved = writing ? write(fd, buffer, want) : read(fd, buffer, want);
        if (moved < 0)
            return 4;
        if (moved == 0)
            return 6;
        done += moved;
    }
    return close(fd) == 0 ? 0 : 5;
}
