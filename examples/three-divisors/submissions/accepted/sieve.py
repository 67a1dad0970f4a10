import bisect
import sys

LIMIT = 10**6
sieve = bytearray([1]) * (LIMIT + 1)
sieve[0] = sieve[1] = 0
for p in range(2, 1001):
    if sieve[p]:
        sieve[p * p :: p] = bytes(len(range(p * p, LIMIT + 1, p)))
squares = [p * p for p, flag in enumerate(sieve) if flag]

data = sys.stdin.buffer.read().split()
q = int(data[0])
out = []
for j in range(q):
    l, r = int(data[1 + 2 * j]), int(data[2 + 2 * j])
    out.append(bisect.bisect_right(squares, r) - bisect.bisect_left(squares, l))
print("\n".join(map(str, out)))
