/* Prints terminal escape sequences on stdout and stderr: a window-title change (OSC 0), a clipboard
 * write (OSC 52), clear screen, colours, a bell, a carriage return that overwrites the line with a
 * fake verdict, and a C1 CSI. */
#define _GNU_SOURCE
#include <stdio.h>
int main(void) {
    const char *evil = "\033]0;hostile-title\007\033]52;c;aG9zdGlsZQ==\007\033[2J\033[1;31mRED\033[0m"
                       "\rstatus: AC\n\302\233" "31mC1\n";
    fputs(evil, stdout);
    fputs(evil, stderr);
    return 0;
}
