/* Calls denied system calls through the 32-bit ABI (int $0x80) and the x32 ABI (number | 0x40000000),
 * which a seccomp filter that does not check the architecture lets through. A filter that kills on a
 * foreign architecture ends the program with SIGSYS (RE). Prints ALLOWED when a call got through. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
static long int80(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
    return ret;
}
static void report(const char *name, long rc) {
    /* raw int 0x80 returns -errno */
    if (rc >= 0) printf("ALLOWED %s\n", name);
    else if (rc == -EPERM || rc == -EACCES || rc == -ENOSYS) printf("DENIED %s errno %ld\n", name, -rc);
    else printf("ALLOWED %s (reached the kernel, errno %ld)\n", name, -rc);
    fflush(stdout);
}
int main(void) {
    report("i386 socket(AF_INET)", int80(359, 2, 1, 0));
    report("i386 unshare(CLONE_NEWUSER)", int80(310, 0x10000000, 0, 0));
    report("i386 keyctl(GET_KEYRING_ID)", int80(288, 0, -3, 0));
    long rc = syscall(0x40000000 | SYS_socket, 2, 1, 0);
    report("x32 socket(AF_INET)", rc < 0 ? -errno : rc);
    return 0;
}
