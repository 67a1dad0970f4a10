/* Creates up to 200000 empty files in the work directory and /tmp until refused; prints "FILES <n>". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    char name[64];
    long n = 0;
    for (; n < 200000; n++) {
        snprintf(name, sizeof name, "%shostile-pwned-inode-%ld", (n & 1) ? "/tmp/" : "", n);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0) break;
        close(fd);
    }
    printf("FILES %ld\n", n);
    return 0;
}
