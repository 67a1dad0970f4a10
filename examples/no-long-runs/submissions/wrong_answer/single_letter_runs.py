# Near miss (missed edge case): no special case for k = 1, where even a single letter is a forbidden run;
# a one-letter string then counts m instead of 0.
import sys

MOD = 10**9 + 7


def mul(a, b):
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) % MOD for col in cols] for row in a]


n, m, k = map(int, sys.stdin.buffer.read().split())
size = k - 1
step = [[0] * size for _ in range(size)]
for j in range(size):
    step[j][0] = (m - 1) % MOD
    if j + 1 < size:
        step[j][j + 1] = 1
vec = [[m % MOD] + [0] * (size - 1)]
e = n - 1
while e:
    if e & 1:
        vec = mul(vec, step)
    step = mul(step, step)
    e >>= 1
print(sum(vec[0]) % MOD)
