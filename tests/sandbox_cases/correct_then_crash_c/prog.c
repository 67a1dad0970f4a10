/* Prints the right answer, flushes it, then dereferences a null pointer. */
#define _GNU_SOURCE
#include <stdio.h>
int main(void) {
    long a, b;
    if (scanf("%ld %ld", &a, &b) != 2) return 3;
    printf("%ld\n", a + b);
    fflush(stdout);
    volatile int *p = 0;
    *p = 1;
    return 0;
}
