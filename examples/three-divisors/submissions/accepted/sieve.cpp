// A number has exactly three divisors iff it is p^2 for a prime p. Sieve primes up to 10^6, keep their squares
// (as 64-bit values), and answer each question with two binary searches.
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
        auto lo = std::lower_bound(squares.begin(), squares.end(), l);
        printf("%ld\n", (long)(hi - lo));
    }
}
