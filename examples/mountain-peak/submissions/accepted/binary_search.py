import sys

cache: dict[int, int] = {}


def ask(i: int) -> int:
    if i not in cache:
        print("?", i, flush=True)
        value = int(sys.stdin.readline())
        if value == -1:
            sys.exit(0)
        cache[i] = value
    return cache[i]


n = int(sys.stdin.readline())
lo, hi = 1, n
while lo < hi:
    mid = (lo + hi) // 2
    if ask(mid) < ask(mid + 1):
        lo = mid + 1
    else:
        hi = mid
print("!", lo, flush=True)
