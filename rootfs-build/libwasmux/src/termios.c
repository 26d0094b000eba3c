/* libwasmux: the termios calls beyond tcgetattr/tcsetattr (fd.c), over ioctl. Speeds
   live in c_cflag's CBAUD bits as on Linux; the kernel records them and nothing else. */
#define WASMUX_BUILDING_LIBRARY 1
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "internal.h"

int tcflush(int fd, int queue) {
    return ioctl(fd, TCFLSH, queue);
}

int tcdrain(int fd) {
    return ioctl(fd, TCSBRK, 1);
}

int tcflow(int fd, int action) {
    return ioctl(fd, TCXONC, action);
}

int tcsendbreak(int fd, int duration) {
    (void)duration;
    return ioctl(fd, TCSBRK, 0);
}

pid_t tcgetsid(int fd) {
    int sid;
    if (ioctl(fd, TIOCGSID, &sid) < 0)
        return -1;
    return sid;
}

int tcgetwinsize(int fd, struct winsize *size) {
    return ioctl(fd, TIOCGWINSZ, size);
}

int tcsetwinsize(int fd, const struct winsize *size) {
    return ioctl(fd, TIOCSWINSZ, size);
}

void cfmakeraw(struct termios *settings) {
    settings->c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    settings->c_oflag &= ~OPOST;
    settings->c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    settings->c_cflag &= ~(CSIZE | PARENB);
    settings->c_cflag |= CS8;
    settings->c_cc[VMIN] = 1;
    settings->c_cc[VTIME] = 0;
}

speed_t cfgetospeed(const struct termios *settings) {
    return settings->c_cflag & CBAUD;
}

speed_t cfgetispeed(const struct termios *settings) {
    return cfgetospeed(settings);
}

int cfsetospeed(struct termios *settings, speed_t speed) {
    if (speed & ~CBAUD) {
        errno = EINVAL;
        return -1;
    }
    settings->c_cflag = (settings->c_cflag & ~CBAUD) | speed;
    return 0;
}

int cfsetispeed(struct termios *settings, speed_t speed) {
    return speed ? cfsetospeed(settings, speed) : 0;
}

int cfsetspeed(struct termios *settings, speed_t speed) {
    return cfsetospeed(settings, speed);
}
