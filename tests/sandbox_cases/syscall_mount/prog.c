/* mount a tmpfs, bind-mount / and remount /usr read-write: prints "ALLOWED <call>" when the kernel accepted the call (or got far enough to reject its
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

    mkdir("mnt", 0755);
    long rc = mount("none", "mnt", "tmpfs", 0, "size=1m");
    report("mount(tmpfs)", rc);
    if (rc == 0) umount2("mnt", MNT_DETACH);
    rc = mount("/", "mnt", 0, MS_BIND | MS_REC, 0);
    report("mount(bind /)", rc);
    if (rc == 0) umount2("mnt", MNT_DETACH);
    report("mount(remount /usr rw)", mount(0, "/usr", 0, MS_REMOUNT | MS_BIND, 0));
    return 0;
}
