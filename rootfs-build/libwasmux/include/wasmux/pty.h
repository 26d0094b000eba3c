/* libwasmux: pseudo-terminals and the termios calls beyond tcgetattr/tcsetattr.

   posix_openpt opens /dev/ptmx (a new master); grantpt succeeds (one user); unlockpt
   clears the slave's lock (TIOCSPTLCK); ptsname and ptsname_r name the slave
   (/dev/pts/N from TIOCGPTN). openpty does all of it and opens the slave, applying
   the given settings and window size. <stdlib.h> declares the POSIX calls; openpty is
   declared here (glibc's <pty.h>). The termios additions (tcflush, tcdrain, tcflow,
   tcsendbreak, tcgetsid, cfmakeraw and the speed calls) are declared by <termios.h>. */
#ifndef WASMUX_PTY_H
#define WASMUX_PTY_H

#include <termios.h>

int openpty(int *master, int *slave, char *name, const struct termios *settings,
            const struct winsize *size);

#endif
