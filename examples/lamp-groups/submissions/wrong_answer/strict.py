# Near miss: `>` instead of `>=`, so a group of exactly k lamps is not bright.
import sys

data = sys.stdin.buffer.read().split()
t, pos, out = int(data[0]), 1, []
for _ in range(t):
    k, s = int(data[pos + 1]), data[pos + 2]
    pos += 3
    out.append(sum(1 for block in s.split(b"0") if len(block) > k))
print("\n".join(map(str, out)))
