/* Unbounded recursion with a 4 KiB frame: ends by the stack limit (RE) or the memory limit (MLE). */
#define _GNU_SOURCE
#include <stdio.h>
static int down(int n) {
    volatile char frame[4096];
    frame[0] = (char)n;
    if (n > 1000000000) return frame[0];
    return down(n + 1) + frame[0];
}
int main(void) { printf("%d\n", down(0)); return 0; }
