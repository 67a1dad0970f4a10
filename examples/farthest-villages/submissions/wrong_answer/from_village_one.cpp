// Near miss: one pass only, so it finds the farthest village from village 1, not the two farthest apart.
#include <cstdio>
#include <utility>
#include <vector>

typedef long long ll;

int main() {
    int n;
    scanf("%d", &n);
    std::vector<std::vector<std::pair<int, ll>>> adj(n + 1);
    for (int i = 0; i < n - 1; ++i) {
        int u, v;
        ll w;
        scanf("%d %d %lld", &u, &v, &w);
        adj[u].push_back({v, w});
        adj[v].push_back({u, w});
    }
    std::vector<ll> dist(n + 1, -1);
    std::vector<int> stack = {1};
    dist[1] = 0;
    ll best = 0;
    while (!stack.empty()) {
        int u = stack.back();
        stack.pop_back();
        if (dist[u] > best) best = dist[u];
        for (auto [v, w] : adj[u])
            if (dist[v] < 0) { dist[v] = dist[u] + w; stack.push_back(v); }
    }
    printf("%lld\n", best);
}
