/* delete_module and init_module with bogus arguments: prints "ALLOWED <call>" when the kernel accepted the call (or got far enough to reject its
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

static void report(const char *name, long rc) {
    if (rc >= 0) printf("ALLOWED %s\n", name);
    else if (errno == EPERM || errno == EACCES || errno == ENOSYS) printf("DENIED %s errno %d\n", name, errno);
    else printf("ALLOWED %s (reached the kernel, errno %d)\n", name, errno);
    fflush(stdout);
}
int main(void) {

    report("delete_module", syscall(SYS_delete_module, "hostile_nonexistent_module", O_NONBLOCK));
    report("init_module", syscall(SYS_init_module, "", 0, ""));
    return 0;
}
