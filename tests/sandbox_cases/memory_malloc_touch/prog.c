/* Allocates and touches 1 MiB blocks up to 1 GiB (a bound, so a broken sandbox cannot take the
 * machine): the memory limit must stop it long before. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
int main(void) {
    for (int i = 0; i < 1024; i++) {
        char *p = malloc(1 << 20);
        if (!p) return 1;
        memset(p, i & 0xff, 1 << 20);
    }
    return 0;
}
