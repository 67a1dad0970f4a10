#include <stdio.h>
int main(void) {
    int a, b;
    if (scanf("%d %d", &a, &b) != 2) return 0;
    printf("%d\n", a + b);
    fflush(stdout);
    volatile int *p = 0;
    *p = 1;
    return 0;
}
