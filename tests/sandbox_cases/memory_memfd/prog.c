/* Memory that belongs to no process heap: 1 GiB of shared memory in 8 MiB memfds (each under the
 * file-size limit), written page by page. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
    static char chunk[1 << 20];
    memset(chunk, 7, sizeof chunk);
    for (int f = 0; f < 128; f++) {
        int fd = memfd_create("hostile", 0);
        if (fd < 0) return 1;
        for (int i = 0; i < 8; i++)
            if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) return 2;
    }
    return 0;
}
