/* Tries to create files in system directories and in host places it should not even see, and to
 * open an existing compiler binary for writing (opened only, nothing is written to it).
 * Prints "WROTE <path>" for each that worked. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    const char *create[] = {
        "/usr/hostile-pwned", "/usr/bin/hostile-pwned", "/usr/local/bin/hostile-pwned", "/bin/hostile-pwned",
        "/etc/hostile-pwned", "/hostile-pwned", "/var/hostile-pwned", "/var/tmp/hostile-pwned",
        "@@HOME@@/hostile-pwned", "@@CHECKOUT@@/hostile-pwned", "@@HOST_TMP@@/hostile-pwned",
    };
    for (unsigned i = 0; i < sizeof create / sizeof *create; i++) {
        int fd = open(create[i], O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd >= 0) { printf("WROTE %s\n", create[i]); write(fd, "pwned\n", 6); close(fd); }
    }
    const char *existing[] = {"/usr/bin/gcc", "/usr/bin/python3", "/etc/passwd"};
    for (unsigned i = 0; i < sizeof existing / sizeof *existing; i++) {
        int fd = open(existing[i], O_WRONLY | O_APPEND);
        if (fd >= 0) { printf("WROTE %s (opened for writing)\n", existing[i]); close(fd); }
    }
    return 0;
}
