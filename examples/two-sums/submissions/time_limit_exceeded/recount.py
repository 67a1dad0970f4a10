# Correct but quadratic: recomputes both sums from scratch for every fence position (2e8 steps).
import sys

data = sys.stdin.buffer.read().split()
n = int(data[0])
a = list(map(int, data[1 : n + 1]))
best, best_k = None, 1
for k in range(1, n):
    left = 0
    for i in range(k):
        left += a[i]
    right = 0
    for i in range(k, n):
        right += a[i]
    diff = abs(left - right)
    if best is None or diff < best:
        best, best_k = diff, k
print(best, best_k)
