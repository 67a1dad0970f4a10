// Near miss: the sieve stops at 10^5 (the square root of 10^10, not of 10^12), so large trim numbers are missed.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
    const int LIMIT = 100000;
    std::vector<bool> composite(LIMIT + 1, false);
    std::vector<long long> squares;
    for (long long p = 2; p <= LIMIT; ++p) {
        if (composite[p]) continue;
        squares.push_back(p * p);
        for (long long k = p * p; k <= LIMIT; k += p) composite[k] = true;
    }
    int q;
    scanf("%d", &q);
    while (q--) {
        long long l, r;
        scanf("%lld %lld", &l, &r);
        auto hi = std::upper_bound(squares.begin(), squares.end(), r);
        auto lo = std::lower_bound(squares.begin(), squares.end(), l);
        printf("%ld\n", (long)(hi - lo));
    }
}
