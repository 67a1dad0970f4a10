/* A fork bomb bounded at 4096 processes (so a broken sandbox cannot take the machine): every process
 * forks 12 times and then sleeps. A shared counter records every fork that succeeded; the first
 * process prints "FORKED <n>". */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
    int *forked = mmap(0, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (forked == MAP_FAILED) return 3;
    pid_t root = getpid();
    for (int i = 0; i < 12; i++) {
        pid_t pid = fork();
        if (pid == 0) continue;
        if (pid > 0) __sync_fetch_and_add(forked, 1);
    }
    if (getpid() != root) { sleep(3); _exit(0); }
    usleep(300000);
    printf("FORKED %d\n", *forked);
    return 0;
}
