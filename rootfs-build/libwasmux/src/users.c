/* libwasmux: the user and group databases, read from /etc/passwd and /etc/group.

   Each lookup scans the file again (they are small); results live in static storage
   overwritten by the next call, as POSIX allows. A missing file means no entries. */
#define WASMUX_BUILDING_LIBRARY 1
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { MAX_LINE = 1024, MAX_MEMBERS = 64 };

static char passwd_line[MAX_LINE];
static struct passwd passwd_entry;
static char group_line[MAX_LINE];
static struct group group_entry;
static char *group_members[MAX_MEMBERS + 1];

/* Split `line` at ':' into at most `count` fields; returns how many were found. */
static int split_fields(char *line, char **fields, int count) {
    line[strcspn(line, "\n")] = '\0';
    int found = 0;
    while (found < count) {
        fields[found++] = line;
        char *colon = strchr(line, ':');
        if (!colon)
            break;
        *colon = '\0';
        line = colon + 1;
    }
    return found;
}

static struct passwd *parse_passwd(void) {
    char *fields[7];
    if (split_fields(passwd_line, fields, 7) != 7)
        return NULL;
    passwd_entry = (struct passwd){
        .pw_name = fields[0], .pw_passwd = fields[1],
        .pw_uid = (uid_t)strtoul(fields[2], NULL, 10),
        .pw_gid = (gid_t)strtoul(fields[3], NULL, 10),
        .pw_gecos = fields[4], .pw_dir = fields[5], .pw_shell = fields[6]};
    return &passwd_entry;
}

static struct group *parse_group(void) {
    char *fields[4];
    if (split_fields(group_line, fields, 4) != 4)
        return NULL;
    int members = 0;
    for (char *member = strtok(fields[3], ","); member && members < MAX_MEMBERS;
         member = strtok(NULL, ","))
        group_members[members++] = member;
    group_members[members] = NULL;
    group_entry = (struct group){
        .gr_name = fields[0], .gr_passwd = fields[1],
        .gr_gid = (gid_t)strtoul(fields[2], NULL, 10), .gr_mem = group_members};
    return &group_entry;
}

static FILE *passwd_file;
static FILE *group_file;

void setpwent(void) {
    if (passwd_file)
        rewind(passwd_file);
}

void endpwent(void) {
    if (passwd_file)
        fclose(passwd_file);
    passwd_file = NULL;
}

struct passwd *getpwent(void) {
    if (!passwd_file && !(passwd_file = fopen("/etc/passwd", "r")))
        return NULL;
    while (fgets(passwd_line, sizeof passwd_line, passwd_file)) {
        struct passwd *entry = parse_passwd();
        if (entry)
            return entry;
    }
    return NULL;
}

void setgrent(void) {
    if (group_file)
        rewind(group_file);
}

void endgrent(void) {
    if (group_file)
        fclose(group_file);
    group_file = NULL;
}

struct group *getgrent(void) {
    if (!group_file && !(group_file = fopen("/etc/group", "r")))
        return NULL;
    while (fgets(group_line, sizeof group_line, group_file)) {
        struct group *entry = parse_group();
        if (entry)
            return entry;
    }
    return NULL;
}

struct passwd *getpwnam(const char *name) {
    struct passwd *entry;
    endpwent();
    while ((entry = getpwent()) && strcmp(entry->pw_name, name) != 0) {}
    endpwent();
    return entry;
}

struct passwd *getpwuid(uid_t uid) {
    struct passwd *entry;
    endpwent();
    while ((entry = getpwent()) && entry->pw_uid != uid) {}
    endpwent();
    return entry;
}

struct group *getgrnam(const char *name) {
    struct group *entry;
    endgrent();
    while ((entry = getgrent()) && strcmp(entry->gr_name, name) != 0) {}
    endgrent();
    return entry;
}

struct group *getgrgid(gid_t gid) {
    struct group *entry;
    endgrent();
    while ((entry = getgrent()) && entry->gr_gid != gid) {}
    endgrent();
    return entry;
}

/* The groups of `user`: `group` first, then every group listing the user. */
int getgrouplist(const char *user, gid_t group, gid_t *groups, int *count) {
    int found = 0;
    if (found < *count)
        groups[found] = group;
    found++;
    struct group *entry;
    endgrent();
    while ((entry = getgrent())) {
        if (entry->gr_gid == group)
            continue;
        for (char **member = entry->gr_mem; *member; member++) {
            if (strcmp(*member, user) == 0) {
                if (found < *count)
                    groups[found] = entry->gr_gid;
                found++;
                break;
            }
        }
    }
    endgrent();
    int fits = found <= *count;
    *count = found;
    return fits ? found : -1;
}
