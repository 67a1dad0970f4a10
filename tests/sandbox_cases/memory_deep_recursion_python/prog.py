# Lifts Python's recursion limit and recurses forever: ends by the C stack or the memory limit.
import sys

sys.setrecursionlimit(10**9)


def down(n):
    return down(n + 1) + 1


print(down(0))
