// Near miss (overflow): the counts are summed in 64 bits and reduced only when printed; past about
// 60 rows and columns of free cells they no longer fit.
#include <cstdio>
#include <vector>

int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    std::vector<long long> row(m, 0);
    std::vector<char> line(m + 1);
    for (int i = 0; i < n; ++i) {
        scanf("%s", line.data());
        for (int j = 0; j < m; ++j) {
            if (line[j] == '#') row[j] = 0;
            else if (i == 0 && j == 0) row[j] = 1;
            else if (j > 0) row[j] = row[j] + row[j - 1];
        }
    }
    printf("%lld\n", row[m - 1] % 1000000007);
}
