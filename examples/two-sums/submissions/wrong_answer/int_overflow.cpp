// Near miss: the sums are kept in int, which overflows once they pass 2^31.
#include <cstdio>
#include <cstdlib>
#include <vector>

int main() {
    int n;
    scanf("%d", &n);
    std::vector<int> a(n);
    int total = 0;
    for (auto &x : a) { scanf("%d", &x); total += x; }
    int prefix = 0, best = -1, best_k = 1;
    for (int k = 1; k < n; ++k) {
        prefix += a[k - 1];
        int diff = std::abs(prefix - (total - prefix));
        if (best < 0 || diff < best) { best = diff; best_k = k; }
    }
    printf("%d %d\n", best, best_k);
}
