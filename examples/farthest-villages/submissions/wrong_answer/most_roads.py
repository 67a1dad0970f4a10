# Near miss: the first pass picks the village with the most roads on the way (a BFS habit from unweighted
# graphs) instead of the longest way; only the second pass uses the lengths.
import sys
from collections import deque

data = sys.stdin.buffer.read().split()
n = int(data[0])
adj = [[] for _ in range(n + 1)]
for i in range(n - 1):
    u, v, w = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
    adj[u].append((v, w))
    adj[v].append((u, w))


def bfs(start: int, weighted: bool) -> list[int]:
    dist = [-1] * (n + 1)
    dist[start] = 0
    queue = deque([start])
    while queue:
        u = queue.popleft()
        for v, w in adj[u]:
            if dist[v] < 0:
                dist[v] = dist[u] + (w if weighted else 1)
                queue.append(v)
    return dist


hops = bfs(1, weighted=False)
end = max(range(1, n + 1), key=hops.__getitem__)
print(max(bfs(end, weighted=True)))
