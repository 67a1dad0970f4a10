/* perf_event_open on itself (software CPU clock) and system-wide: prints "ALLOWED <call>" when the kernel accepted the call (or got far enough to reject its
 * arguments), "DENIED <call>" when it was refused (EPERM, EACCES, ENOSYS), and dies with SIGSYS
 * when a seccomp filter kills it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct perf_attr_min { unsigned type, size; unsigned long long config, sample_period, sample_type, read_format, flags;
                       unsigned wakeup, bp_type; unsigned long long bp_addr, bp_len; char pad[64]; };
static void report(const char *name, long rc) {
    if (rc >= 0) printf("ALLOWED %s\n", name);
    else if (errno == EPERM || errno == EACCES || errno == ENOSYS) printf("DENIED %s errno %d\n", name, errno);
    else printf("ALLOWED %s (reached the kernel, errno %d)\n", name, errno);
    fflush(stdout);
}
int main(void) {

    struct perf_attr_min attr;
    memset(&attr, 0, sizeof attr);
    attr.type = 1; /* PERF_TYPE_SOFTWARE */
    attr.size = sizeof attr;
    attr.config = 0; /* PERF_COUNT_SW_CPU_CLOCK */
    report("perf_event_open(self)", syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0));
    report("perf_event_open(all cpus)", syscall(SYS_perf_event_open, &attr, -1, 0, -1, 0));
    return 0;
}
