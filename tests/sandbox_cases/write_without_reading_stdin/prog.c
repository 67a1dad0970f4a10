/* Never reads its (8 MB) input and writes 4 MiB of output: must not deadlock on a full pipe. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
int main(void) {
    static char line[1024];
    memset(line, 'w', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (int i = 0; i < 4096; i++) fwrite(line, 1, sizeof line, stdout);
    return 0;
}
