# Crashes: a recursive DFS under Python's default recursion limit (1000) fails on a path of 10^4 villages.
import sys

data = sys.stdin.buffer.read().split()
n = int(data[0])
adj = [[] for _ in range(n + 1)]
for i in range(n - 1):
    u, v, w = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
    adj[u].append((v, w))
    adj[v].append((u, w))


def dfs(u: int, parent: int, d: int, dist: list[int]) -> None:
    dist[u] = d
    for v, w in adj[u]:
        if v != parent:
            dfs(v, u, d + w, dist)


first = [0] * (n + 1)
dfs(1, 0, 0, first)
end = max(range(1, n + 1), key=first.__getitem__)
second = [0] * (n + 1)
dfs(end, 0, 0, second)
print(max(second))
