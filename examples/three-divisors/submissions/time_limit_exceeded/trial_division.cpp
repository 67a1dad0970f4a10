// Correct but slow: for every question, tests each p in [sqrt(l), sqrt(r)] for primality by trial division;
// a single question over [1, 10^12] already costs about 10^8 divisions.
#include <cmath>
#include <cstdio>

bool is_prime(long long p) {
    if (p < 2) return false;
    for (long long d = 2; d * d <= p; ++d)
        if (p % d == 0) return false;
    return true;
}

int main() {
    int q;
    scanf("%d", &q);
    while (q--) {
        long long l, r;
        scanf("%lld %lld", &l, &r);
        long long count = 0;
        for (long long p = (long long)std::sqrt((double)l) - 1; p * p <= r; ++p)
            if (p >= 2 && p * p >= l && is_prime(p)) ++count;
        printf("%lld\n", count);
    }
}
