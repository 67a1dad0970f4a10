/* SIGKILL to its parent, to pid 1, to its process group and to the runner by its host pid. Only
 * run once the runner has checked that the sandbox cannot reach the runner's pid. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    int targets[] = {(int)getppid(), 1, @@RUNNER_PID@@, @@SENTINEL_PID@@};
    for (unsigned i = 0; i < sizeof targets / sizeof *targets; i++)
        printf("kill %d -> %d\n", targets[i], kill(targets[i], SIGKILL));
    fflush(stdout);
    printf("group -> %d\n", kill(-getpgrp(), SIGKILL));
    return 0;
}
