/* One line of 256 MiB with no newline, written in one call after another. */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>
int main(void) {
    static char chunk[1 << 20];
    memset(chunk, 'z', sizeof chunk);
    for (int i = 0; i < 256; i++) if (write(1, chunk, sizeof chunk) < 0) return 1;
    return 0;
}
