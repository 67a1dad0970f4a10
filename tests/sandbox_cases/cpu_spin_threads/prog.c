/* Four threads spin at once: CPU time must be counted over all threads, not per thread. */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
static void *spin(void *arg) {
    (void)arg;
    volatile unsigned long x = 0;
    time_t start = time(0);
    while (time(0) - start < 20) x++;
    return 0;
}
int main(void) {
    pthread_t t[3];
    int started = 0;
    for (int i = 0; i < 3; i++) if (pthread_create(&t[i], 0, spin, 0) == 0) started++;
    spin(0);
    return started < 0;
}
