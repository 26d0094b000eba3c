/* Prints whether each standard stream is a terminal, as wasi-libc's isatty() sees it. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("isatty %d %d %d\n", isatty(0), isatty(1), isatty(2));
    return 0;
}
