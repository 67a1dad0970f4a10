/* Forks a child that spins, then stops itself and the child with SIGSTOP: stopped processes use no
 * CPU, so only the wall clock ends the run, and they must not survive it. */
#define _GNU_SOURCE
#include <signal.h>
#include <time.h>
#include <unistd.h>
int main(void) {
    pid_t child = fork();
    if (child == 0) {
        volatile unsigned long x = 0;
        time_t start = time(0);
        while (time(0) - start < 20) x++;
        _exit(0);
    }
    if (child > 0) kill(child, SIGSTOP);
    raise(SIGSTOP);
    return 0;
}
