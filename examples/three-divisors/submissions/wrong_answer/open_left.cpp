// Near miss (off by one): upper_bound on both ends counts (l, r], so a square of a prime equal to l is lost.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
    const int LIMIT = 1000000;
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
        auto lo = std::upper_bound(squares.begin(), squares.end(), l);
        printf("%ld\n", (long)(hi - lo));
    }
}
