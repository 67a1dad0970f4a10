/* chroot, the classic chroot escape, and pivot_root: prints "ALLOWED <call>" when the kernel accepted the call (or got far enough to reject its
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

    mkdir("jail", 0755);
    int keep = open(".", O_RDONLY | O_DIRECTORY);
    long rc = chroot("jail");
    report("chroot", rc);
    if (rc == 0 && keep >= 0) {
        fchdir(keep);
        for (int i = 0; i < 64; i++) chdir("..");
        report("chroot escape", chroot("."));
    }
    mkdir("old", 0755);
    report("pivot_root", syscall(SYS_pivot_root, ".", "old"));
    return 0;
}
