/* Drives a pseudo-terminal in one process: posix_openpt, grantpt, unlockpt, ptsname,
   typing through the master, cooked and raw reads on the slave, output processing. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void show(const char *label, const char *data, ssize_t length) {
    printf("%s:", label);
    for (ssize_t i = 0; i < length; i++)
        printf(data[i] >= 32 && data[i] < 127 ? "%c" : "\\x%02x", (unsigned char)data[i]);
    printf("\n");
}

int main(void) {
    int master = posix_openpt(O_RDWR);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        perror("posix_openpt");
        return 1;
    }
    const char *name = ptsname(master);
    printf("ptsname:%s\n", name);
    int slave = open(name, O_RDWR);
    printf("isatty:%d\n", isatty(slave));
    char buffer[64];
    write(master, "ab\x7f" "c\r", 5);
    show("slave", buffer, read(slave, buffer, sizeof buffer));
    show("echo", buffer, read(master, buffer, sizeof buffer));
    write(slave, "out\n", 4);
    show("master", buffer, read(master, buffer, sizeof buffer));
    struct termios settings;
    tcgetattr(slave, &settings);
    cfmakeraw(&settings);
    tcsetattr(slave, TCSANOW, &settings);
    write(master, "x\r", 2);
    show("raw", buffer, read(slave, buffer, sizeof buffer));
    return 0;
}
