/* file_readback: writes a file whose every byte depends on its offset, then reads it
 * back in many shapes and checks every byte (tests/browser/test_file_reads.py).
 *   write PATH BYTES          create PATH with BYTES of the pattern (odd-sized writes),
 *                             fsync, close                -> "wrote BYTES"
 *   check PATH BYTES [ROUNDS] read PATH back ROUNDS times (default 1): 1 MiB reads to
 *                             EOF, reads of odd sizes, preads at odd offsets and across
 *                             EOF, readv over three buffers, reads through a dup, one
 *                             read into a 3 MiB buffer, one into memory grown since the
 *                             process started             -> "ok checked N bytes in M reads"
 * Any difference prints "mismatch ..." and exits 1. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <wasmux/syscalls.h>

#define MIB (1 << 20)

static unsigned char buffer[3 * MIB];
static long long checked_bytes, reads;

static unsigned char pattern(long long position) {
    return (unsigned char)(position * 7 + (position >> 8) * 13 + (position >> 16));
}

static void fail(const char *what, long long at, long long got, long long wanted) {
    printf("mismatch: %s at %lld: got %lld, wanted %lld\n", what, at, got, wanted);
    exit(1);
}

/* `count` bytes read at file offset `at` must be the pattern's. */
static void verify(const unsigned char *data, long long at, long long count) {
    for (long long index = 0; index < count; index++)
        if (data[index] != pattern(at + index))
            fail("byte", at + index, data[index], pattern(at + index));
    checked_bytes += count;
}

static long long expected_count(long long at, long long size, long long wanted) {
    long long left = size - at;
    return left <= 0 ? 0 : left < wanted ? left : wanted;
}

static void read_all_in_chunks(int fd, long long size, const long long *chunks, int kinds) {
    if (lseek(fd, 0, SEEK_SET) != 0)
        fail("lseek", 0, -1, 0);
    long long position = 0;
    for (int step = 0;; step++) {
        long long wanted = chunks[step % kinds];
        ssize_t got = read(fd, buffer, (size_t)wanted);
        reads++;
        /* the kernel may return fewer bytes than asked (at most 1 MiB per call) */
        if (got < 0 || got > wanted || (got == 0 && position < size))
            fail("read count", position, got, wanted);
        if (got == 0)
            break;
        verify(buffer, position, got);
        position += got;
        if (lseek(fd, 0, SEEK_CUR) != position)
            fail("offset after read", position, lseek(fd, 0, SEEK_CUR), position);
    }
    if (position != size)
        fail("total", 0, position, size);
}

static void check(const char *path, long long size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        fail("open", 0, fd, 0);
    static const long long whole[] = {MIB};
    read_all_in_chunks(fd, size, whole, 1);
    static const long long odd[] = {1, 4095, 65537, MIB - 1, MIB, 333333, 7};
    read_all_in_chunks(fd, size, odd, 7);

    const long long preads[][2] = {
        {0, 1}, {1, MIB}, {4097, 3}, {size / 2 + 3, 777777}, {size - 1000, MIB},
        {size - 1, 1}, {size, 10}, {size + 12345, 10},
    };
    for (unsigned index = 0; index < sizeof preads / sizeof preads[0]; index++) {
        long long at = preads[index][0], wanted = preads[index][1];
        ssize_t got = pread(fd, buffer, (size_t)wanted, at);
        reads++;
        if (got != expected_count(at, size, wanted))
            fail("pread count", at, got, expected_count(at, size, wanted));
        verify(buffer, at, got);
    }

    /* readv: one reply scattered over three buffers, in order */
    long long at = 123457;
    unsigned char *first = buffer, *second = buffer + 200, *third = buffer + 2 * MIB;
    struct iovec iov[3] = {{first, 100}, {second, MIB - 200}, {third, 77}};
    if (lseek(fd, at, SEEK_SET) != at)
        fail("lseek", at, -1, at);
    ssize_t got = readv(fd, iov, 3);
    reads++;
    if (got != expected_count(at, size, MIB - 23))
        fail("readv count", at, got, expected_count(at, size, MIB - 23));
    verify(first, at, 100);
    verify(second, at + 100, MIB - 200);
    verify(third, at + MIB - 100, got - (MIB - 100));

    /* a dup shares the offset (wasi-libc has no dup(): the wasmux call) */
    uint32_t copy;
    if (__wasmux_dup(fd, &copy) || lseek(fd, 5000, SEEK_SET) != 5000)
        fail("dup", 0, -1, 0);
    got = read((int)copy, buffer, 100);
    reads++;
    if (got != 100 || lseek(fd, 0, SEEK_CUR) != 5100)
        fail("read through dup", 5000, got, 100);
    verify(buffer, 5000, 100);

    /* a buffer larger than the channel: a short read, still the right bytes */
    if (lseek(fd, 17, SEEK_SET) != 17)
        fail("lseek", 17, -1, 17);
    got = read(fd, buffer, sizeof buffer);
    reads++;
    if (got <= 0 || got > (ssize_t)sizeof buffer || got > size - 17)
        fail("large read", 17, got, sizeof buffer);
    verify(buffer, 17, got);

    /* into memory the process grew after it started (beyond its initial memory) */
    unsigned char *grown = malloc(48 * MIB);
    if (grown == NULL)
        fail("malloc", 0, 0, 48 * MIB);
    got = pread(fd, grown + 47 * MIB, MIB, 99);
    reads++;
    if (got != expected_count(99, size, MIB))
        fail("pread into grown memory", 99, got, expected_count(99, size, MIB));
    verify(grown + 47 * MIB, 99, got);
    free(grown);
    close((int)copy);
    close(fd);
}

static int write_file(const char *path, long long size) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return 3;
    static const long long steps[] = {MIB + 7, 65521, 3, MIB - 9};
    for (long long done = 0, step = 0; done < size; step++) {
        long long count = steps[step % 4] < size - done ? steps[step % 4] : size - done;
        for (long long index = 0; index < count; index++)
            buffer[index] = pattern(done + index);
        for (long long written = 0; written < count;) {  /* short writes: at most 1 MiB */
            ssize_t moved = write(fd, buffer + written, (size_t)(count - written));
            if (moved <= 0)
                return 4;
            written += moved;
        }
        done += count;
    }
    if (fsync(fd) || close(fd))
        return 5;
    printf("wrote %lld\n", size);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "write") == 0)
        return write_file(argv[2], atoll(argv[3]));
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "check") == 0) {
        int rounds = argc == 5 ? atoi(argv[4]) : 1;
        for (int round = 0; round < rounds; round++)
            check(argv[2], atoll(argv[3]));
        printf("ok checked %lld bytes in %lld reads\n", checked_bytes, reads);
        return 0;
    }
    fprintf(stderr, "usage: see tests/browser/programs/file_readback.c\n");
    return 2;
}
