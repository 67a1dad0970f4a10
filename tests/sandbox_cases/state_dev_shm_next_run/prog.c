/* Run 1 ("write") leaves a file in /dev/shm and a POSIX shared-memory object; run 2 ("check")
 * looks for both (and removes them). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
    char mode[16] = {0};
    if (scanf("%15s", mode) != 1) return 3;
    if (strcmp(mode, "write") == 0) {
        FILE *f = fopen("/dev/shm/hostile-pwned-state", "w");
        if (f) { fputs("state\n", f); fclose(f); puts("LEFT file"); }
        int fd = shm_open("/hostile-pwned-shm", O_CREAT | O_RDWR, 0600);
        if (fd >= 0) { ftruncate(fd, 4096); puts("LEFT shm"); }
        return 0;
    }
    if (access("/dev/shm/hostile-pwned-state", F_OK) == 0) {
        puts("FOUND file");
        unlink("/dev/shm/hostile-pwned-state");
    }
    int fd = shm_open("/hostile-pwned-shm", O_RDWR, 0600);
    if (fd >= 0) { puts("FOUND shm"); shm_unlink("/hostile-pwned-shm"); }
    return 0;
}
