/* Drains stdin, then blocks reading a pipe nobody writes to. An alarm after 20 s ends it cleanly
 * (exit 0) so that a sandbox without a wall limit fails the test rather than hanging it. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
static void bye(int sig) { (void)sig; _exit(0); }
int main(void) {
    char buf[4096];
    while (read(0, buf, sizeof buf) > 0) {}
    int p[2];
    if (pipe(p) != 0) return 3;
    signal(SIGALRM, bye);
    alarm(20);
    read(p[0], buf, 1);
    return 0;
}
