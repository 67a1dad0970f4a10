// Near miss (off by one): k runs from 0, so one person may get no plot at all.
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
    int best_k = 0;
    for (int k = 0; k < n; ++k) {
        if (k > 0) prefix += a[k - 1];
        long long diff = std::llabs(prefix - (total - prefix));
        if (best < 0 || diff < best) { best = diff; best_k = k; }
    }
    printf("%lld %d\n", best, best_k);
}
