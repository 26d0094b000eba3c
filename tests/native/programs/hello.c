/* hello [ARGS...]: prints its arguments and $GREETING, echoes stdin to stdout, writes a
   line to stderr, and exits with the number in argv[2] (0 when absent). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("hello, argc=%d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    fflush(stdout);
    char buffer[256];
    ssize_t count;
    while ((count = read(0, buffer, sizeof buffer)) > 0)
        write(1, buffer, (size_t)count);
    fprintf(stderr, "to stderr\n");
    return argc > 2 ? atoi(argv[2]) : 0;
}
