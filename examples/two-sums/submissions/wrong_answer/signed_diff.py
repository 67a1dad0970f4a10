# Near miss: compares the sizes |prefix| and |suffix| instead of the signed sums, which is the same
# thing only while every sum is non-negative.
import sys

data = sys.stdin.buffer.read().split()
n = int(data[0])
a = list(map(int, data[1 : n + 1]))
total = sum(a)
prefix, best, best_k = 0, None, 1
for k in range(1, n):
    prefix += a[k - 1]
    diff = abs(abs(prefix) - abs(total - prefix))
    if best is None or diff < best:
        best, best_k = diff, k
print(best, best_k)
