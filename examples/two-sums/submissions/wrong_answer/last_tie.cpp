// Near miss: `<=` keeps the LAST k among equal differences; the statement asks for the smallest.
#include <cstdio>
#include <cstdlib>
#include <vector>

int main() {
    int n;
    scanf("%d", &n);
    std::vector<long long> a(n);
    long long total = 0;
    for (auto &x : a) { scanf("%lld", &x); total += x; }
    long long prefix = 0, best = -1;
    int best_k = 1;
    for (int k = 1; k < n; ++k) {
        prefix += a[k - 1];
        long long diff = std::llabs(prefix - (total - prefix));
        if (best < 0 || diff <= best) { best = diff; best_k = k; }
    }
    printf("%lld %d\n", best, best_k);
}
