# A different valid answer from the jury's: the shortest divisible segment (the latest equal prefix
# residue before each position), which the checker must accept as well.
import sys

data = list(map(int, sys.stdin.buffer.read().split()))
n, m, a = data[0], data[1], data[2:]
last = {0: 0}
prefix = 0
best = None
for i in range(1, n + 1):
    prefix = (prefix + a[i - 1]) % m
    if prefix in last and (best is None or i - last[prefix] < best[1] - best[0] + 1):
        best = (last[prefix] + 1, i)
    last[prefix] = i
print(-1 if best is None else f"{best[0]} {best[1]}")
