/* Ignores SIGXCPU and tries to raise its own RLIMIT_CPU before spinning: a sandbox that relies on
 * the soft rlimit signal alone never stops it. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
int main(void) {
    signal(SIGXCPU, SIG_IGN);
    struct rlimit r;
    if (getrlimit(RLIMIT_CPU, &r) == 0) { r.rlim_cur = r.rlim_max; setrlimit(RLIMIT_CPU, &r); }
    r.rlim_cur = r.rlim_max = RLIM_INFINITY;
    setrlimit(RLIMIT_CPU, &r);
    volatile unsigned long x = 0;
    time_t start = time(0);
    while (time(0) - start < 20) x++;
    return 0;
}
