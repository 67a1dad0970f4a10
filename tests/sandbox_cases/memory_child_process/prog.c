/* The parent stays small; a forked child allocates and touches 1 GiB. The child's memory must count. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 1024; i++) {
            char *p = malloc(1 << 20);
            if (!p) _exit(1);
            memset(p, 1, 1 << 20);
        }
        _exit(0);
    }
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    return 0; /* the parent exits 0 whatever happened to the child */
}
