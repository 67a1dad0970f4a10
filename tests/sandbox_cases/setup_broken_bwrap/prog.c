/* A correct program; the runner points the native backend at a bubblewrap that does not exist,
 * which must give IE, never AC. */
#define _GNU_SOURCE
#include <stdio.h>
int main(void) {
    long a, b;
    if (scanf("%ld %ld", &a, &b) != 2) return 3;
    printf("%ld\n", a + b);
    return 0;
}
