// Correct but linear in n: advances the run-length DP one letter at a time (n reaches 10^18).
#include <cstdio>
#include <vector>

typedef unsigned long long u64;
const u64 MOD = 1000000007ULL;

int main() {
    u64 n, m;
    int k;
    scanf("%llu %llu %d", &n, &m, &k);
    if (k == 1) { puts("0"); return 0; }
    std::vector<u64> ways(k - 1, 0), next(k - 1);
    ways[0] = m % MOD;
    for (u64 len = 1; len < n; ++len) {
        u64 total = 0;
        for (u64 w : ways) total += w;
        next[0] = total % MOD * ((m + MOD - 1) % MOD) % MOD;
        for (int j = 1; j < k - 1; ++j) next[j] = ways[j - 1];
        ways.swap(next);
    }
    u64 total = 0;
    for (u64 w : ways) total = (total + w) % MOD;
    printf("%llu\n", total);
}
