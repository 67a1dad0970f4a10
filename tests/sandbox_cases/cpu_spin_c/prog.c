/* Spins on the CPU. Gives up by itself after 20 s of wall time so a broken sandbox fails the
 * test instead of hanging it. */
#define _GNU_SOURCE
#include <time.h>
int main(void) {
    volatile unsigned long x = 0;
    time_t start = time(0);
    while (time(0) - start < 20) x++;
    return 0;
}
