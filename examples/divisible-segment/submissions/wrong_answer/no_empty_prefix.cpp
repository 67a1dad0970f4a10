// Near miss: the empty prefix (sum 0 before the array) is not recorded, so segments starting at 1 are missed.
#include <cstdio>
#include <unordered_map>

int main() {
    int n;
    long long m;
    scanf("%d %lld", &n, &m);
    std::unordered_map<long long, int> first;
    long long prefix = 0;
    for (int i = 1; i <= n; ++i) {
        long long x;
        scanf("%lld", &x);
        prefix = ((prefix + x) % m + m) % m;
        auto it = first.find(prefix);
        if (it != first.end()) {
            printf("%d %d\n", it->second + 1, i);
            return 0;
        }
        first[prefix] = i;
    }
    printf("-1\n");
}
