/* The parent waits idle while a child burns the CPU: the child's time must be charged to the run. */
#define _GNU_SOURCE
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
int main(void) {
    pid_t pid = fork();
    if (pid == 0) {
        volatile unsigned long x = 0;
        time_t start = time(0);
        while (time(0) - start < 20) x++;
        _exit(0);
    }
    if (pid > 0) waitpid(pid, 0, 0);
    return 0;
}
