/* /sbin/init: process 1 of Wasmux.

   Runs /etc/rc with /bin/sh when it holds a command (a file of comments and blank lines
   costs no shell), then keeps a login shell (`sh -l`) on the console, printing
   /etc/motd before each one starts as login(1) would: the shell gets its own session
   (POSIX_SPAWN_SETSID) and opens
   /dev/console as fds 0-2, so the console becomes its controlling terminal. Every
   child that ends is reaped here, orphans included (the kernel reparents them to
   pid 1). When the shell exits a new one starts after a short delay; a shell that
   ends quickly RAPID_EXITS times in a row is not restarted again: init says so and
   shuts down (exit status 1). SIGTERM shuts the system down cleanly: every other
   process gets SIGTERM (then SIGKILL), so their files are closed (a close after
   writing is a sync point of the persistent root), then an fsync of / commits the
   root's journal (WASI has no global sync), and init exits.

   Linked with libwasmux (posix_spawn, waitpid, sigaction, kill). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHELL "/bin/sh"
#define CONSOLE "/dev/console"
#define RC_SCRIPT "/etc/rc"
#define MOTD "/etc/motd"
#define RESTART_DELAY_SECONDS 1
#define QUICK_EXIT_SECONDS 2 /* a shell that ends sooner counts as a rapid exit */
#define RAPID_EXITS 5
#define SHUTDOWN_GRACE_SECONDS 2

static volatile sig_atomic_t shutdown_requested;

static void on_terminate(int signal) {
    (void)signal;
    shutdown_requested = 1;
}

/* One message on stderr, written at once (the console is shared with the shell). */
static void say(const char *format, const char *detail) {
    char message[256];
    int length = snprintf(message, sizeof message, "init: ");
    length += snprintf(message + length, sizeof message - (size_t)length, format, detail);
    if (length > (int)sizeof message - 2)
        length = (int)sizeof message - 2;
    message[length++] = '\n';
    write(2, message, (size_t)length);
}

static double now_seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* The environment of the login shell: root's account (every process runs as uid 0). */
static char *const shell_environment[] = {
    "HOME=/root", "USER=root", "LOGNAME=root", "SHELL=" SHELL,
    "PATH=/bin:/sbin:/usr/bin", "TERM=xterm-256color", NULL};

/* Spawn `argv` with the shell environment and the default action for the signals init
   ignores. With `login`, the child leads a new session whose fds 0-2 are the console
   (its controlling terminal). Returns the pid or -1. */
static pid_t start(char *const argv[], int login) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    /* The signals init ignores are the children's to use: a shell keeps a signal that
       was ignored when it started ignored, and then ^C would reach none of its jobs. */
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGHUP);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_SETSIGDEF | (login ? POSIX_SPAWN_SETSID : 0));
    if (login) {
        posix_spawn_file_actions_addopen(&actions, 0, CONSOLE, O_RDWR, 0);
        posix_spawn_file_actions_adddup2(&actions, 0, 1);
        posix_spawn_file_actions_adddup2(&actions, 0, 2);
        posix_spawn_file_actions_addchdir_np(&actions, "/root");
    }
    pid_t pid;
    int error = posix_spawn(&pid, argv[0], &actions, &attributes, argv, shell_environment);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (error) {
        fprintf(stderr, "init: cannot start %s: %s\n", argv[0], strerror(error));
        return -1;
    }
    return pid;
}

/* Wait for any child; returns its pid (status in *status), or -1 when interrupted by
   a shutdown request or when there are no children. */
static pid_t reap(int *status) {
    for (;;) {
        pid_t pid = waitpid(-1, status, 0);
        if (pid >= 0)
            return pid;
        if (errno != EINTR || shutdown_requested)
            return -1;
    }
}

/* Reap children until `pid` ends; returns its wait status, or -1 if shutdown came or
   waiting failed (errno says why). */
static int wait_for(pid_t pid) {
    int status;
    for (;;) {
        pid_t ended = reap(&status);
        if (ended == pid)
            return status;
        if (ended < 0)
            return -1;
    }
}

/* Whether the script at `path` has a line that is neither blank nor a comment. */
static int has_command(const char *path) {
    FILE *script = fopen(path, "r");
    if (script == NULL)
        return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, script) != NULL) {
        const char *text = line + strspn(line, " \t\r\n");
        found = *text != '\0' && *text != '#';
    }
    fclose(script);
    return found;
}

static void run_rc(void) {
    if (!has_command(RC_SCRIPT))
        return;
    char *const argv[] = {SHELL, RC_SCRIPT, NULL};
    pid_t pid = start(argv, 0);
    if (pid > 0) {
        int status = wait_for(pid);
        if (status > 0)
            fprintf(stderr, "init: %s failed (status %d)\n", RC_SCRIPT,
                    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
}

/* Sleep `seconds` while reaping orphans (a shutdown request ends it early). */
static void pause_reaping(int seconds) {
    double until = now_seconds() + seconds;
    while (!shutdown_requested && now_seconds() < until) {
        int status;
        if (waitpid(-1, &status, WNOHANG) <= 0) {
            struct timespec step = {0, 100 * 1000 * 1000};
            nanosleep(&step, NULL);
        }
    }
}

/* Copy the message of the day to the console (init's stdout), if there is one. */
static void print_motd(void) {
    int fd = open(MOTD, O_RDONLY);
    if (fd < 0)
        return;
    char buffer[4096];
    ssize_t count;
    while ((count = read(fd, buffer, sizeof buffer)) > 0)
        if (write(1, buffer, (size_t)count) != count)
            break;
    close(fd);
}

/* Keep a login shell on the console until shutdown or too many rapid exits. */
static void supervise_shell(void) {
    char *const argv[] = {SHELL, "-l", NULL};
    int rapid = 0;
    while (!shutdown_requested) {
        double started = now_seconds();
        print_motd();
        pid_t pid = start(argv, 1);
        int status = pid > 0 ? wait_for(pid) : 0;
        if (shutdown_requested)
            return;
        if (status < 0) {
            fprintf(stderr, "init: cannot wait for the shell: %s\n", strerror(errno));
            return;
        }
        rapid = now_seconds() - started < QUICK_EXIT_SECONDS ? rapid + 1 : 0;
        if (rapid >= RAPID_EXITS) {
            fprintf(stderr, "init: the shell exited %d times in a row right after "
                    "starting; not restarting it\n", RAPID_EXITS);
            return;
        }
        if (WIFSIGNALED(status))
            fprintf(stderr, "\ninit: the shell was killed by signal %d; starting a new "
                    "one\n", WTERMSIG(status));
        else
            fprintf(stderr, "\ninit: the shell exited; starting a new one\n");
        pause_reaping(RESTART_DELAY_SECONDS);
    }
}

/* Commit the root filesystem's metadata journal (fsync of its root directory). */
static void sync_root(void) {
    int fd = open("/", O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0)
        say("cannot sync the root filesystem: %s", strerror(errno));
    if (fd >= 0)
        close(fd);
}

static void shut_down(void) {
    say("%s", "shutting down");
    if (kill(-1, SIGTERM) == 0) {
        double until = now_seconds() + SHUTDOWN_GRACE_SECONDS;
        int status;
        while (now_seconds() < until && waitpid(-1, &status, WNOHANG) >= 0) {
            struct timespec step = {0, 50 * 1000 * 1000};
            nanosleep(&step, NULL);
        }
        kill(-1, SIGKILL);
        while (waitpid(-1, &status, 0) > 0) {
        }
    } else if (errno != ESRCH) {
        say("cannot signal the other processes: %s", strerror(errno));
    }
    sync_root();
    say("%s", "filesystems synced, halting");
}

int main(void) {
    if (getpid() != 1)
        say("%s", "warning: not running as process 1");
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_terminate;
    sigaction(SIGTERM, &action, NULL);
    action.sa_handler = SIG_IGN;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    run_rc();
    if (!shutdown_requested)
        supervise_shell();
    shut_down();
    return shutdown_requested ? 0 : 1;
}
