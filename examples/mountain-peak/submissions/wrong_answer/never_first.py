# Near miss (missed edge case): starts the search at 2, assuming the trail goes up at least once.
import sys


def ask(i: int) -> int:
    print("?", i, flush=True)
    value = int(sys.stdin.readline())
    if value == -1:
        sys.exit(0)
    return value


n = int(sys.stdin.readline())
lo, hi = 2, n
while lo < hi:
    mid = (lo + hi) // 2
    if ask(mid) < ask(mid + 1):
        lo = mid + 1
    else:
        hi = mid
print("!", lo, flush=True)
