// Correct but exponential: walks every route one by one (C(n+m-2, n-1) of them on an empty grid).
#include <cstdio>
#include <vector>

int n, m;
std::vector<std::vector<char>> g;
long long routes = 0;

void walk(int i, int j) {
    if (i >= n || j >= m || g[i][j] == '#') return;
    if (i == n - 1 && j == m - 1) { routes = (routes + 1) % 1000000007; return; }
    walk(i + 1, j);
    walk(i, j + 1);
}

int main() {
    scanf("%d %d", &n, &m);
    g.assign(n, std::vector<char>(m + 1));
    for (auto &row : g) scanf("%s", row.data());
    walk(0, 0);
    printf("%lld\n", routes);
}
