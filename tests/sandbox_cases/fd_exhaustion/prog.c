/* Raises its fd limit as far as it may, then opens /dev/null until refused; prints "FDS <n>". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
int main(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0) { r.rlim_cur = r.rlim_max; setrlimit(RLIMIT_NOFILE, &r); }
    long n = 0;
    while (n < 2000000 && open("/dev/null", O_RDONLY) >= 0) n++;
    printf("FDS %ld\n", n);
    return 0;
}
