/* Opens device nodes a judged program has no business with: physical memory, I/O ports, the kernel
 * log, disks, consoles. Prints OPENED for each that opened. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
    const char *devs[] = {"/dev/mem", "/dev/kmem", "/dev/port", "/dev/kmsg", "/dev/vda", "/dev/sda", "/dev/nvme0n1",
                          "/dev/console", "/dev/tty0", "/dev/tty1", "/dev/loop0", "/dev/fuse", "/dev/kvm",
                          "/dev/userfaultfd", "/dev/net/tun", "/dev/cpu/0/msr"};
    for (unsigned i = 0; i < sizeof devs / sizeof *devs; i++) {
        int fd = open(devs[i], O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd >= 0) { printf("OPENED %s\n", devs[i]); close(fd); }
        else printf("denied %s\n", devs[i]);
    }
    return 0;
}
