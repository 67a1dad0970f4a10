// Near miss: distances kept in int; three roads of 10^9 already overflow.
#include <cstdio>
#include <utility>
#include <vector>

std::vector<std::vector<std::pair<int, int>>> adj;

std::pair<int, int> farthest(int start) {
    std::vector<int> dist(adj.size(), -1);
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
        int u, v, w;
        scanf("%d %d %d", &u, &v, &w);
        adj[u].push_back({v, w});
        adj[v].push_back({u, w});
    }
    printf("%d\n", farthest(farthest(1).first).second);
}
