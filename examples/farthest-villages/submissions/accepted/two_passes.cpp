// The farthest village from any village is an end of a longest way; a second pass from it measures it.
// Iterative traversal (no deep recursion), distances in 64 bits (up to 10^13).
#include <cstdio>
#include <utility>
#include <vector>

typedef long long ll;
std::vector<std::vector<std::pair<int, ll>>> adj;

std::pair<int, ll> farthest(int start) {
    std::vector<ll> dist(adj.size(), -1);
    std::vector<int> stack = {start};
    dist[start] = 0;
    int best = start;
    while (!stack.empty()) {
        int u = stack.back();
        stack.pop_back();
        if (dist[u] > dist[best]) best = u;
        for (auto [v, w] : adj[u])
            if (dist[v] < 0) { dist[v] = dist[u] + w; stack.push_back(v); }
    }
    return {best, dist[best]};
}

int main() {
    int n;
    scanf("%d", &n);
    adj.assign(n + 1, {});
    for (int i = 0; i < n - 1; ++i) {
        int u, v;
        ll w;
        scanf("%d %d %lld", &u, &v, &w);
        adj[u].push_back({v, w});
        adj[v].push_back({u, w});
    }
    printf("%lld\n", farthest(farthest(1).first).second);
}
