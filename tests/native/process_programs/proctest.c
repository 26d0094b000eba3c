/* Process and signal behaviour through libwasmux, one mode per argv[1]; each mode
   prints what a user would see. Installed as /bin/proctest (and /bin/true) by the
   tests in tests/native/test_process_*.py. */
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

extern char **environ;

static volatile sig_atomic_t caught;

static void on_signal(int sig) {
    caught = sig;
    char line[32];
    int length = snprintf(line, sizeof line, "handler %d\n", sig);
    write(1, line, (size_t)length);
}

static void exit_five(int sig) {
    (void)sig;
    _exit(5);
}

static void catch(int sig) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(sig, &action, NULL);
}

static void describe(pid_t pid, int status) {
    if (WIFEXITED(status))
        printf("pid %s exited %d\n", pid > 0 ? "ok" : "bad", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("pid %s signaled %d\n", pid > 0 ? "ok" : "bad", WTERMSIG(status));
    else if (WIFSTOPPED(status))
        printf("pid %s stopped %d\n", pid > 0 ? "ok" : "bad", WSTOPSIG(status));
    else if (WIFCONTINUED(status))
        printf("pid %s continued\n", pid > 0 ? "ok" : "bad");
    fflush(stdout);
}

static pid_t start(char *const argv[]) {
    pid_t pid;
    int error = posix_spawn(&pid, "/bin/proctest", NULL, NULL, argv, environ);
    if (error) {
        printf("spawn: %s\n", strerror(error));
        exit(1);
    }
    return pid;
}

static void nap(long milliseconds) {
    struct timespec delay = {milliseconds / 1000, (milliseconds % 1000) * 1000000};
    nanosleep(&delay, NULL);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "true";
    if (!strcmp(mode, "true"))
        return 0;
    if (!strcmp(mode, "exit"))
        return atoi(argv[2]);
    if (!strcmp(mode, "sleep")) {
        nap(argc > 2 ? atol(argv[2]) : 100000);
        return 0;
    }
    if (!strcmp(mode, "vfork")) {  /* vfork PATH ARGS...: exec it, report the status */
        int fd = open("/tmp/vfork-out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        pid_t pid = vfork();
        if (pid == 0) {
            dup2(fd, 1);
            close(fd);
            execv(argv[2], argv + 2);
            _exit(127);
        }
        close(fd);
        int status;
        pid_t waited = waitpid(pid, &status, 0);
        describe(waited == pid ? pid : -1, status);
        printf("parent stdout still works, cwd ok\n");
        return 0;
    }
    if (!strcmp(mode, "nested-vfork")) {  /* a vfork child reads its own vfork child */
        pid_t outer = vfork();
        if (outer == 0) {
            int fds[2];
            pipe(fds);
            pid_t inner = vfork();
            if (inner == 0) {
                dup2(fds[1], 1);
                close(fds[0]);
                close(fds[1]);
                char *child[] = {"proctest", "hello", "inner", NULL};
                execv("/bin/proctest", child);
                _exit(127);
            }
            close(fds[1]);
            char text[64];
            ssize_t got = read(fds[0], text, sizeof text - 1);
            close(fds[0]);
            int status;
            waitpid(inner, &status, 0);
            text[got > 1 ? got - 1 : 0] = '\0';
            char *child[] = {"proctest", "hello", text, NULL};
            execv("/bin/proctest", child);
            _exit(127);
        }
        int status;
        describe(waitpid(outer, &status, 0), status);
        return 0;
    }
    if (!strcmp(mode, "vfork-chdir")) {  /* a vfork child's chdir stays in the child */
        char path[256];
        pid_t pid = vfork();
        if (pid == 0) {
            chdir("/tmp");
            _exit(0);
        }
        waitpid(pid, NULL, 0);
        printf("parent getcwd %s\n", getcwd(path, sizeof path));
        return 0;
    }
    if (!strcmp(mode, "exec")) {  /* execve in place keeps the process and its state */
        printf("before pid %d\n", (int)getpid());
        fflush(stdout);
        signal(SIGINT, SIG_IGN);
        catch(SIGUSR1);
        int kept = open("/tmp/kept", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(kept, 5);
        int gone = dup(1);
        fcntl(gone, F_SETFD, FD_CLOEXEC);
        chdir("/tmp");
        char number[16];
        snprintf(number, sizeof number, "%d", gone);
        execl("/bin/missing", "missing", NULL);
        printf("missing: %s\n", strerror(errno));
        fflush(stdout);
        execl("/bin/proctest", "proctest", "after-exec", number, NULL);
        printf("exec failed: %s\n", strerror(errno));
        return 1;
    }
    if (!strcmp(mode, "after-exec")) {
        struct sigaction interrupt, user;
        sigaction(SIGINT, NULL, &interrupt);
        sigaction(SIGUSR1, NULL, &user);
        char path[256];
        printf("after pid %d cwd %s fd5 %s fd%s %s SIGINT %s SIGUSR1 %s\n", (int)getpid(),
               getcwd(path, sizeof path), fcntl(5, F_GETFD) >= 0 ? "open" : "closed",
               argv[2], fcntl(atoi(argv[2]), F_GETFD) >= 0 ? "open" : "closed",
               interrupt.sa_handler == SIG_IGN ? "ignored" : "not ignored",
               user.sa_handler == SIG_DFL ? "default" : "not default");
        return 0;
    }
    if (!strcmp(mode, "fds")) {  /* the open fds below 1000; fd 3 is free, as on Linux */
        printf("open fds:");
        for (int fd = 0; fd < 1000; fd++)
            if (fcntl(fd, F_GETFD) >= 0)
                printf(" %d", fd);
        int result = dup2(3, 9);
        printf("; dup2(3, 9) %d %s", result, result < 0 ? strerror(errno) : "");
        printf("; open %d\n", open("/tmp", O_RDONLY));
        return 0;
    }
    if (!strcmp(mode, "cloexec")) {  /* O_CLOEXEC is a real bit: none of these reach a child */
        int file = open("/tmp/cloexec", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        int fds[2];
        pipe2(fds, O_CLOEXEC);
        int copy = dup3(1, 20, O_CLOEXEC);
        int flags[] = {fcntl(file, F_GETFD), fcntl(fds[0], F_GETFD), fcntl(fds[1], F_GETFD),
                       fcntl(copy, F_GETFD)};
        printf("FD_CLOEXEC %d %d %d %d\n", flags[0], flags[1], flags[2], flags[3]);
        fflush(stdout);
        char *child[] = {"proctest", "fds", NULL};
        int status;
        waitpid(start(child), &status, 0);
        return 0;
    }
    if (!strcmp(mode, "hello")) {
        printf("hello from %s\n", argc > 2 ? argv[2] : "child");
        return 0;
    }
    if (!strcmp(mode, "spawn")) {  /* posix_spawn with a file action and a new cwd */
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addchdir_np(&actions, "/tmp");
        posix_spawn_file_actions_addopen(&actions, 1, "out", O_WRONLY | O_CREAT | O_TRUNC,
                                         0644);
        char *child[] = {"proctest", "hello", "spawn", NULL};
        pid_t pid;
        int error = posix_spawn(&pid, "/bin/proctest", &actions, NULL, child, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (error) {
            printf("spawn: %s\n", strerror(error));
            return 1;
        }
        int status;
        describe(waitpid(pid, &status, 0), status);
        return 0;
    }
    if (!strcmp(mode, "kill")) {  /* kill -TERM of a sleeping child */
        char *child[] = {"proctest", "sleep", NULL};
        pid_t pid = start(child);
        int status;
        printf("wnohang %d\n", (int)waitpid(pid, &status, WNOHANG));
        kill(pid, SIGTERM);
        describe(waitpid(pid, &status, 0), status);
        printf("again %d %s\n", (int)waitpid(pid, &status, 0), strerror(errno));
        return 0;
    }
    if (!strcmp(mode, "handler")) {  /* a caught SIGUSR1 runs its handler */
        catch(SIGUSR1);
        raise(SIGUSR1);
        printf("after raise caught=%d\n", (int)caught);
        return 0;
    }
    if (!strcmp(mode, "sigsuspend")) {  /* child signals us while we suspend */
        catch(SIGUSR1);
        sigset_t block, empty, now;
        sigemptyset(&block);
        sigaddset(&block, SIGUSR1);
        sigprocmask(SIG_BLOCK, &block, NULL);
        char *child[] = {"proctest", "signal-parent", NULL};
        pid_t pid = start(child);
        sigemptyset(&empty);
        int result = sigsuspend(&empty);
        sigprocmask(SIG_BLOCK, NULL, &now);
        printf("sigsuspend %d %s caught=%d still blocked=%d\n", result, strerror(errno),
               (int)caught, sigismember(&now, SIGUSR1));
        int status;
        waitpid(pid, &status, 0);
        return 0;
    }
    if (!strcmp(mode, "restart")) {  /* SA_RESTART: read and waitpid go on after a handler */
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = on_signal;
        action.sa_flags = argc > 2 ? 0 : SA_RESTART;
        sigaction(SIGUSR1, &action, NULL);
        int fds[2];
        pipe(fds);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        char *child[] = {"proctest", "signal-then-write", NULL};
        pid_t pid;
        posix_spawn(&pid, "/bin/proctest", &actions, NULL, child, environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        char text[16];
        ssize_t got = read(fds[0], text, sizeof text);
        printf("read %d %s\n", (int)got, got < 0 ? strerror(errno) : "");
        fflush(stdout);
        int status;
        pid_t waited = waitpid(pid, &status, 0);
        if (waited < 0)
            printf("waitpid %s\n", strerror(errno));
        else
            describe(waited, status);
        return 0;
    }
    if (!strcmp(mode, "signal-then-write")) {
        nap(50);
        kill(getppid(), SIGUSR1);
        nap(100);
        write(1, "ok", 2);
        nap(50);
        kill(getppid(), SIGUSR1);
        nap(100);
        return 7;
    }
    if (!strcmp(mode, "lockless-signal")) {  /* delivered while only getpid/clocks run */
        catch(SIGUSR1);
        char *child[] = {"proctest", "signal-parent", NULL};
        pid_t pid = start(child);
        struct timespec begin, now;
        clock_gettime(CLOCK_MONOTONIC, &begin);
        do {
            getpid();
            clock_gettime(CLOCK_MONOTONIC, &now);
        } while (!caught && now.tv_sec - begin.tv_sec < 3);
        printf("delivered during lockless calls: %s\n", caught ? "yes" : "no");
        int status;
        waitpid(pid, &status, 0);
        return 0;
    }
    if (!strcmp(mode, "busy-signal")) {  /* delivered to a loop making no syscall */
        if (argc > 2 && !strcmp(argv[2], "exit"))
            signal(SIGUSR1, exit_five);
        else
            catch(SIGUSR1);
        char *child[] = {"proctest", "signal-parent", NULL};
        start(child);
        while (!caught) {}
        printf("left the loop\n");
        return 0;
    }
    if (!strcmp(mode, "signal-parent")) {
        nap(50);
        kill(getppid(), SIGUSR1);
        return 0;
    }
    if (!strcmp(mode, "alarm-read")) {  /* alarm interrupts a blocked read */
        catch(SIGALRM);
        alarm(1);
        char buffer[16];
        ssize_t got = read(0, buffer, sizeof buffer);
        printf("read %d %s caught=%d\n", (int)got, got < 0 ? strerror(errno) : "",
               (int)caught);
        return 0;
    }
    if (!strcmp(mode, "alarm-default")) {  /* SIGALRM's default action ends us */
        alarm(1);
        for (;;)
            nap(1000);
    }
    if (!strcmp(mode, "spin"))  /* a busy loop without syscalls */
        for (volatile unsigned long i = 0;; i++) {}
    if (!strcmp(mode, "tick")) {  /* prints a number every 10 ms */
        for (unsigned long i = 0;; i++) {
            printf("%lu\n", i);
            fflush(stdout);
            nap(10);
        }
    }
    if (!strcmp(mode, "orphan-parent")) {  /* leaves a child behind */
        char *child[] = {"proctest", "orphan-child", NULL};
        start(child);
        return 0;
    }
    if (!strcmp(mode, "orphan-child")) {
        nap(200);
        printf("orphan ppid %d\n", (int)getppid());
        return 0;
    }
    if (!strcmp(mode, "init")) {  /* pid 1: run orphan-parent and reap everything */
        char *child[] = {"proctest", "orphan-parent", NULL};
        start(child);
        int status, reaped = 0;
        while (wait(&status) > 0)
            reaped++;
        printf("init reaped %d, then %s\n", reaped, strerror(errno));
        return 0;
    }
    if (!strcmp(mode, "stopchild")) {  /* WUNTRACED and WCONTINUED see a stop */
        char *child[] = {"proctest", "sleep", NULL};
        pid_t pid = start(child);
        int status;
        kill(pid, SIGSTOP);
        describe(waitpid(pid, &status, WUNTRACED), status);
        kill(pid, SIGCONT);
        describe(waitpid(pid, &status, WCONTINUED), status);
        kill(pid, SIGKILL);
        describe(waitpid(pid, &status, 0), status);
        return 0;
    }
    if (!strcmp(mode, "storm")) {  /* spawn until EAGAIN, then kill and reap them all */
        char *child[] = {"proctest", "sleep", NULL};
        pid_t pids[512];
        int count = 0, error = 0;
        while (count < 512) {
            error = posix_spawn(&pids[count], "/bin/proctest", NULL, NULL, child, environ);
            if (error)
                break;
            count++;
        }
        printf("spawned %d then %s\n", count, strerror(error));
        fflush(stdout);
        for (int i = 0; i < count; i++)
            kill(pids[i], SIGKILL);
        int status, reaped = 0;
        while (wait(&status) > 0)
            reaped += WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
        printf("reaped %d killed\n", reaped);
        return 0;
    }
    if (!strcmp(mode, "cwd")) {  /* chdir reaches the kernel and the children */
        char path[256];
        chdir("/tmp");
        printf("getcwd %s\n", getcwd(path, sizeof path));
        fflush(stdout);
        char *child[] = {"proctest", "pwd", NULL};
        pid_t pid = start(child);
        int status;
        waitpid(pid, &status, 0);
        return 0;
    }
    if (!strcmp(mode, "pwd")) {
        char path[256];
        printf("child getcwd %s\n", getcwd(path, sizeof path));
        return 0;
    }
    printf("unknown mode %s\n", mode);
    return 2;
}
