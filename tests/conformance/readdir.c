/* fd_readdir: entry names and types (sorted: order is the filesystem's), "." and "..",
 * resuming from saved cookies with buffers too small for one entry, listing after
 * removals, and an empty directory. */
#include "conformance.h"

#define MAX_ENTRIES 64

typedef struct {
    char name[64];
    __wasi_filetype_t type;
} entry_t;

static int compare(const void *a, const void *b) {
    return strcmp(((const entry_t *)a)->name, ((const entry_t *)b)->name);
}

/* Lists dir with a buffer of buf_len bytes, resuming from each last complete entry's
 * d_next cookie; a truncated entry (bufused == buf_len) is re-read with a bigger buffer
 * only when even one entry does not fit. Returns the number of entries. */
static int list(__wasi_fd_t dir, size_t buf_len, entry_t *out, int *calls) {
    static uint8_t buf[4096];
    __wasi_dircookie_t cookie = 0;
    int count = 0;
    *calls = 0;
    for (;;) {
        size_t len = buf_len;
        __wasi_size_t used = 0;
        for (;;) {
            __wasi_errno_t e = __wasi_fd_readdir(dir, buf, len, cookie, &used);
            ++*calls;
            if (e) {
                report("readdir", e);
                return count;
            }
            /* too small for even the first entry: grow, as wasi-libc does */
            if (used == len && used < sizeof(__wasi_dirent_t) + 1) {
                len *= 2;
                continue;
            }
            if (used == len) {
                __wasi_dirent_t first;
                memcpy(&first, buf, sizeof first);
                if (sizeof first + first.d_namlen > used) {
                    len *= 2;
                    continue;
                }
            }
            break;
        }
        size_t pos = 0;
        int complete = 0;
        while (pos + sizeof(__wasi_dirent_t) <= used) {
            __wasi_dirent_t d;
            memcpy(&d, buf + pos, sizeof d);
            if (pos + sizeof d + d.d_namlen > used)
                break;
            if (count < MAX_ENTRIES) {
                size_t n = d.d_namlen < 63 ? d.d_namlen : 63;
                memcpy(out[count].name, buf + pos + sizeof d, n);
                out[count].name[n] = 0;
                out[count].type = d.d_type;
                count++;
            }
            cookie = d.d_next;
            pos += sizeof d + d.d_namlen;
            complete++;
        }
        if (used < len)
            return count;
        if (complete == 0) {
            printf("no progress\n");
            return count;
        }
    }
}

static void print_listing(const char *label, entry_t *entries, int count) {
    qsort(entries, count, sizeof *entries, compare);
    printf("%s: %d entries\n", label, count);
    for (int i = 0; i < count; i++)
        printf("  %s %s\n", entries[i].name, filetype_name(entries[i].type));
}

static int same(entry_t *a, int na, entry_t *b, int nb) {
    if (na != nb)
        return 0;
    qsort(a, na, sizeof *a, compare);
    qsort(b, nb, sizeof *b, compare);
    for (int i = 0; i < na; i++)
        if (strcmp(a[i].name, b[i].name) || a[i].type != b[i].type)
            return 0;
    return 1;
}

int main(void) {
    static entry_t full[MAX_ENTRIES], part[MAX_ENTRIES];
    int calls;
    __wasi_fd_t dir;
    report("mkdir d", __wasi_path_create_directory(ROOT, "d"));
    char name[64];
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof name, "d/file-%02d-%.*s", i, i * 3, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        make_file(name, "x");
    }
    report("mkdir d/sub", __wasi_path_create_directory(ROOT, "d/sub"));
    report("symlink d/link", __wasi_path_symlink("file-00-", ROOT, "d/link"));
    make_file("d/\xc3\xa9t\xc3\xa9", "unicode");
    report("open d", open_dir(ROOT, "d", &dir));

    /* the d_ino of an entry is the inode path_filestat_get reports */
    static uint8_t first[4096];
    __wasi_size_t got = 0;
    int matched = 0, files = 0;
    __wasi_fd_readdir(dir, first, sizeof first, 0, &got);
    for (size_t pos = 0; pos + sizeof(__wasi_dirent_t) <= got;) {
        __wasi_dirent_t d;
        memcpy(&d, first + pos, sizeof d);
        char entry_name[80] = "d/";
        memcpy(entry_name + 2, first + pos + sizeof d, d.d_namlen < 70 ? d.d_namlen : 70);
        __wasi_filestat_t st;
        if (d.d_type == __WASI_FILETYPE_REGULAR_FILE &&
            __wasi_path_filestat_get(ROOT, 0, entry_name, &st) == 0) {
            files++;
            matched += st.ino == d.d_ino;
        }
        pos += sizeof d + d.d_namlen;
    }
    printf("d_ino matches stat for %d of %d files\n", matched, files);

    int n = list(dir, 4096, full, &calls);
    print_listing("full listing", full, n);
    int sizes[] = {200, 64, 33, 25, 10, 1};
    for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        int m = list(dir, sizes[i], part, &calls);
        char label[64];
        snprintf(label, sizeof label, "buffer %d: resumed listing equals full", sizes[i]);
        yesno(label, same(full, n, part, m));
    }

    /* a cookie taken mid-listing still resumes after the rest is read */
    static uint8_t buf[4096];
    __wasi_size_t used;
    report("readdir whole", __wasi_fd_readdir(dir, buf, sizeof buf, 0, &used));
    __wasi_dirent_t d0;
    memcpy(&d0, buf, sizeof d0);
    __wasi_size_t used2;
    report("readdir from first cookie", __wasi_fd_readdir(dir, buf, sizeof buf, d0.d_next, &used2));
    yesno("one entry fewer from first cookie", used2 == used - sizeof d0 - d0.d_namlen);
    report("readdir past the end", __wasi_fd_readdir(dir, buf, sizeof buf, 100000, &used2));
    printf("  bufused %u\n", (unsigned)used2);
    report("readdir zero-length buffer", __wasi_fd_readdir(dir, buf, 0, 0, &used2));
    printf("  bufused %u\n", (unsigned)used2);

    /* removals show up in a fresh listing from cookie 0 */
    for (int i = 0; i < 12; i += 2) {
        snprintf(name, sizeof name, "d/file-%02d-%.*s", i, i * 3, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        __wasi_path_unlink_file(ROOT, name);
    }
    report("rmdir d/sub", __wasi_path_remove_directory(ROOT, "d/sub"));
    n = list(dir, 4096, full, &calls);
    print_listing("after removals", full, n);
    __wasi_fd_close(dir);

    report("mkdir empty", __wasi_path_create_directory(ROOT, "empty"));
    report("open empty", open_dir(ROOT, "empty", &dir));
    n = list(dir, 4096, full, &calls);
    print_listing("empty dir", full, n);
    return 0;
}
