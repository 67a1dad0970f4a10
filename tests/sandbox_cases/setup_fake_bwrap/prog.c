/* A correct program; the runner points the native backend at /bin/true as its bubblewrap (exits 0, runs nothing),
 * which must give IE, never AC. */
#define _GNU_SOURCE
#include <stdio.h>
int main(void) {
    long a, b;
    if (scanf("%ld %ld", &a, &b) != 2) return 3;
    printf("%ld\n", a + b);
    return 0;
}
