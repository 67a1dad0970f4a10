/* Tries to trace the processes above it: its parent, pid 1 and the runner (by its host pid).
 * PTRACE_SEIZE does not stop the target, and any success is detached at once. Also tries to read
 * the parent's memory with process_vm_readv. Prints ATTACHED / READMEM on success. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>
int main(void) {
    int targets[] = {(int)getppid(), 1, @@RUNNER_PID@@};
    for (unsigned i = 0; i < sizeof targets / sizeof *targets; i++) {
        pid_t pid = targets[i];
        if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
            printf("ATTACHED %d\n", pid);
            ptrace(PTRACE_DETACH, pid, 0, 0);
        } else {
            printf("DENIED ptrace %d errno %d\n", pid, errno);
        }
        char buf[64];
        struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
        if (process_vm_readv(pid, &local, 1, &remote, 1, 0) >= 0) printf("READMEM %d\n", pid);
        else printf("DENIED readmem %d errno %d\n", pid, errno);
    }
    return 0;
}
