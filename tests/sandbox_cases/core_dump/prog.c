/* Raises its core-file limit as far as it may and aborts: a core dump must not reach the host (or a
 * core_pattern helper running there) and is not kept. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
int main(void) {
    struct rlimit r;
    getrlimit(RLIMIT_CORE, &r);
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_CORE, &r);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    printf("core limit %lld\n", (long long)r.rlim_cur);
    fflush(stdout);
    abort();
}
