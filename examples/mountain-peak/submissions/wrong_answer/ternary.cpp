// Near miss: ternary search finds the peak, but keeps only 2/3 of the range per two questions:
// about 45 questions for n = 10^4, over the limit of 30.
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
    int lo = 1, hi = n;
    while (hi - lo > 2) {
        int m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
        if (ask(m1) < ask(m2)) lo = m1 + 1; else hi = m2 - 1;
    }
    int best = lo;
    long long best_v = ask(lo);
    for (int i = lo + 1; i <= hi; ++i) {
        long long v = ask(i);
        if (v > best_v) { best_v = v; best = i; }
    }
    printf("! %d\n", best);
    fflush(stdout);
}
