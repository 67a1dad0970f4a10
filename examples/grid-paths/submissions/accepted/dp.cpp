// Row-by-row DP: ways(i, j) = ways(i-1, j) + ways(i, j-1), zero on boxes; sums in 64 bits before the modulo.
#include <cstdio>
#include <vector>

int main() {
    const long long MOD = 1000000007;
    int n, m;
    scanf("%d %d", &n, &m);
    std::vector<long long> row(m, 0);
    std::vector<char> line(m + 1);
    for (int i = 0; i < n; ++i) {
        scanf("%s", line.data());
        for (int j = 0; j < m; ++j) {
            if (line[j] == '#') row[j] = 0;
            else if (i == 0 && j == 0) row[j] = 1;
            else if (j > 0) row[j] = (row[j] + row[j - 1]) % MOD;
        }
    }
    printf("%lld\n", row[m - 1]);
}
