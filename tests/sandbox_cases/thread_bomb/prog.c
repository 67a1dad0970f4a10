/* Starts up to 4096 sleeping threads and prints "THREADS <n>" for those that started. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
static void *nap(void *arg) { (void)arg; sleep(3); return 0; }
int main(void) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int n = 0;
    for (; n < 4096; n++) {
        pthread_t t;
        if (pthread_create(&t, &attr, nap, 0) != 0) break;
    }
    printf("THREADS %d\n", n);
    fflush(stdout);
    _exit(0);
}
