import sys

data = sys.stdin.buffer.read().split()
n = int(data[0])
rows = sorted((-int(data[2 + 3 * i]), int(data[3 + 3 * i]), data[1 + 3 * i].decode()) for i in range(n))
out, place = [], 0
for i, (s, p, name) in enumerate(rows):
    if i == 0 or (s, p) != rows[i - 1][:2]:
        place = i + 1
    out.append(f"{place} {name}")
print("\n".join(out))
