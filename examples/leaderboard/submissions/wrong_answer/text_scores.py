# Near miss: the solved counts are compared as text, so "10" ranks below "9".
import sys

lines = sys.stdin.read().split("\n")
n = int(lines[0])
rows = [line.split() for line in lines[1 : n + 1]]
rows.sort(key=lambda r: r[0])  # name, then penalty, then solved (descending): stable sorts from the last key
rows.sort(key=lambda r: int(r[2]))
rows.sort(key=lambda r: r[1], reverse=True)
out, place = [], 0
for i, (name, s, p) in enumerate(rows):
    if i == 0 or (s, p) != (rows[i - 1][1], rows[i - 1][2]):
        place = i + 1
    out.append(f"{place} {name}")
print("\n".join(out))
