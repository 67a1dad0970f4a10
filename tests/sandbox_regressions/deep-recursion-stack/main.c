#include <stdio.h>
/* Each frame hands the address of its own local to the next, so the recursion cannot become a loop. */
long long depth(long long n, const long long *prev) {
    long long here = n;
    if (n == 0) return *prev - 1;
    return depth(n - 1, &here) + here;
}
int main(void) {
    long long n, zero = 0;
    if (scanf("%lld", &n) != 1) return 1;
    printf("%lld\n", depth(n, &zero));
    return 0;
}
