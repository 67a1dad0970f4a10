/* Pushes a command into the input of whatever terminal it can reach (TIOCSTI on its standard
 * descriptors and on /dev/tty), and writes escape sequences to /dev/tty directly. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
int main(void) {
    const char *cmd = "echo HOSTILE-TYPED\n";
    int fds[4] = {0, 1, 2, open("/dev/tty", O_RDWR | O_NOCTTY)};
    for (int i = 0; i < 4; i++) {
        if (fds[i] < 0) { printf("no /dev/tty\n"); continue; }
        int pushed = 0;
        for (const char *c = cmd; *c; c++) pushed += ioctl(fds[i], TIOCSTI, c) == 0;
        if (pushed) printf("ALLOWED TIOCSTI on fd %d (%d bytes)\n", i, pushed);
    }
    if (fds[3] >= 0 && write(fds[3], "\033]0;hostile\007", 12) > 0) printf("ALLOWED write to /dev/tty\n");
    return 0;
}
