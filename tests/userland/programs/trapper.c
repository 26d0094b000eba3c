/* Reads one line from stdin (if any), writes it to stdout, then traps (wasm
   `unreachable`): the kernel must end it with SIGILL, as a crash. */
#include <stdio.h>

int main(void) {
    char line[256];
    if (fgets(line, sizeof line, stdin))
        fputs(line, stdout);
    fflush(stdout);
    __builtin_trap();
}
