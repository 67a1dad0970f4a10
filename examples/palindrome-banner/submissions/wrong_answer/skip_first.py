# Near miss (off by one): prefix[l] instead of prefix[l - 1] leaves out the first tile of the request.
import sys

data = sys.stdin.buffer.read().split()
n, q, s = int(data[0]), int(data[1]), data[2]
prefix = [0] * (n + 1)
for i, c in enumerate(s):
    prefix[i + 1] = prefix[i] ^ (1 << (c - 97))
out = []
for j in range(q):
    x = prefix[int(data[4 + 2 * j])] ^ prefix[int(data[3 + 2 * j])]
    out.append("YES" if bin(x).count("1") <= 1 else "NO")
print("\n".join(out))
