import sys

MOD = 10**9 + 7


def main() -> None:
    data = sys.stdin.buffer.read().split()
    n, m = int(data[0]), int(data[1])
    row = [0] * m
    for i in range(n):
        line = data[2 + i]
        left = 1 if i == 0 else 0  # a virtual way into (0, 0) from the left
        for j in range(m):
            if line[j] == 35:  # '#'
                left = 0
            else:
                left = (row[j] + left) % MOD
            row[j] = left
    print(row[m - 1])


main()
