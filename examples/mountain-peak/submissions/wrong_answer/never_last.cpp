// Near miss (off by one): the search range stops at n - 1, so a trail that only goes up is answered wrongly.
#include <cstdio>
#include <cstdlib>

long long ask(int i) {
    printf("? %d\n", i);
    fflush(stdout);
    long long v;
    if (scanf("%lld", &v) != 1 || v == -1) std::exit(0);
    return v;
}

int main() {
    int n;
    scanf("%d", &n);
    int lo = 1, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (ask(mid) < ask(mid + 1)) lo = mid + 1; else hi = mid;
    }
    printf("! %d\n", n == 1 ? 1 : lo);
    fflush(stdout);
}
