# Near miss: the hull is right, but two decimals are not enough for a 1e-6 tolerance on short ropes.
import math
import sys

data = list(map(int, sys.stdin.buffer.read().split()))
n = data[0]
pts = sorted(set(zip(data[1 : 2 * n + 1 : 2], data[2 : 2 * n + 2 : 2])))


def half(chain):
    out = []
    for p in chain:
        while len(out) >= 2:
            (ox, oy), (ax, ay) = out[-2], out[-1]
            if (ax - ox) * (p[1] - oy) - (ay - oy) * (p[0] - ox) > 0:
                break
            out.pop()
        out.append(p)
    return out[:-1]


hull = half(pts) + half(pts[::-1]) if len(pts) > 1 else pts
print(f"{sum(math.dist(hull[i - 1], hull[i]) for i in range(len(hull))):.2f}")
