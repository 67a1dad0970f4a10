/* Four threads each allocate and touch 256 MiB. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
static void *eat(void *arg) {
    (void)arg;
    for (int i = 0; i < 256; i++) {
        char *p = malloc(1 << 20);
        if (!p) return 0;
        memset(p, 1, 1 << 20);
    }
    return 0;
}
int main(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, eat, 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
    return 0;
}
