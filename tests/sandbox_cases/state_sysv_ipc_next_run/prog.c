/* Run 1 ("write") creates a System V shared-memory segment and message queue under fixed keys;
 * run 2 ("check") looks for them (and removes them). Without an IPC namespace they outlive the run. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#define KEY 0x484f5354
int main(void) {
    char mode[16] = {0};
    if (scanf("%15s", mode) != 1) return 3;
    if (strcmp(mode, "write") == 0) {
        if (shmget(KEY, 4096, IPC_CREAT | 0600) >= 0) puts("LEFT shm");
        if (msgget(KEY, IPC_CREAT | 0600) >= 0) puts("LEFT msg");
        return 0;
    }
    int shm = shmget(KEY, 0, 0600);
    if (shm >= 0) { puts("FOUND shm"); shmctl(shm, IPC_RMID, 0); }
    int msg = msgget(KEY, 0600);
    if (msg >= 0) { puts("FOUND msg"); msgctl(msg, IPC_RMID, 0); }
    return 0;
}
