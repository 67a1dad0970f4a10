/* Writes 1 MiB chunks into . until the file system refuses (bounded at 1 GiB), prints "WROTE <bytes>"
 * and leaves the file there: the runner checks nothing of it reaches the host or survives the run. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
int main(void) {
    signal(SIGXFSZ, SIG_IGN); /* see EFBIG instead of dying, so the count is printed */
    static char chunk[1 << 20];
    memset(chunk, 'x', sizeof chunk);
    long long total = 0;
    int fd = open("./hostile-pwned-fill", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        for (int i = 0; i < 1024; i++) {
            ssize_t n = write(fd, chunk, sizeof chunk);
            if (n <= 0) break;
            total += n;
        }
        close(fd);
    }
    printf("WROTE %lld\n", total);
    return 0;
}
