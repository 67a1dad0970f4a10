/* A correct program; the runner breaks its sandbox set-up (a file of the run whose host source is
 * gone), which must give IE, never AC. */
#define _GNU_SOURCE
#include <stdio.h>
int main(void) {
    long a, b;
    if (scanf("%ld %ld", &a, &b) != 2) return 3;
    printf("%ld\n", a + b);
    return 0;
}
