import sys


def main() -> None:
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    adj = [[] for _ in range(n + 1)]
    for i in range(n - 1):
        u, v, w = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
        adj[u].append((v, w))
        adj[v].append((u, w))

    def farthest(start: int) -> tuple[int, int]:
        dist = [-1] * (n + 1)
        dist[start] = 0
        stack = [start]
        while stack:
            u = stack.pop()
            du = dist[u]
            for v, w in adj[u]:
                if dist[v] < 0:
                    dist[v] = du + w
                    stack.append(v)
        best = max(range(1, n + 1), key=dist.__getitem__)
        return best, dist[best]

    print(farthest(farthest(1)[0])[1])


main()
