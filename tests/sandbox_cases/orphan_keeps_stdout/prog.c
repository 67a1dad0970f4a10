/* Leaves an orphan that ignores SIGHUP and SIGTERM, keeps stdout open and writes to it later. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    if (fork() == 0) {
        signal(SIGHUP, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        for (int i = 0; i < 30; i++) { sleep(1); printf("LATE %d\n", i); fflush(stdout); }
        _exit(0);
    }
    puts("parent done");
    return 0;
}
