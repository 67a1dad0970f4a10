# Answers in lowercase: the checker compares words case-insensitively, as the statement promises.
import sys

data = sys.stdin.buffer.read().split()
n, q, s = int(data[0]), int(data[1]), data[2]
prefix = [0] * (n + 1)
for i, c in enumerate(s):
    prefix[i + 1] = prefix[i] ^ (1 << (c - 97))
out = []
for j in range(q):
    x = prefix[int(data[4 + 2 * j])] ^ prefix[int(data[3 + 2 * j]) - 1]
    out.append("yes" if x & (x - 1) == 0 else "no")
print("\n".join(out))
