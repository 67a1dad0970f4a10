// Near miss: coordinates fit in int, so everything is computed in int; the cross products overflow.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

struct P { int x, y; bool operator<(const P &o) const { return x < o.x || (x == o.x && y < o.y); } };

int cross(P o, P a, P b) { return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x); }

int main() {
    int n;
    scanf("%d", &n);
    std::vector<P> p(n);
    for (auto &q : p) scanf("%d %d", &q.x, &q.y);
    std::sort(p.begin(), p.end());
    std::vector<P> h(2 * n + 1);
    int k = 0;
    for (int i = 0; i < n; ++i) {
        while (k >= 2 && cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
        h[k++] = p[i];
    }
    for (int i = n - 2, t = k + 1; i >= 0; --i) {
        while (k >= t && cross(h[k - 2], h[k - 1], p[i]) <= 0) --k;
        h[k++] = p[i];
    }
    double total = 0;
    for (int i = 0; i + 1 < k; ++i) total += std::hypot((double)(h[i + 1].x - h[i].x), (double)(h[i + 1].y - h[i].y));
    printf("%.9f\n", total);
}
