# Near miss: the first row and column are filled with 1 up front, even past a box that cuts them off.
import sys

MOD = 10**9 + 7
data = sys.stdin.buffer.read().split()
n, m = int(data[0]), int(data[1])
grid = [data[2 + i].decode() for i in range(n)]
dp = [[0] * m for _ in range(n)]
for i in range(n):
    dp[i][0] = 1 if grid[i][0] == "." else 0
for j in range(m):
    dp[0][j] = 1 if grid[0][j] == "." else 0
for i in range(1, n):
    for j in range(1, m):
        if grid[i][j] == ".":
            dp[i][j] = (dp[i - 1][j] + dp[i][j - 1]) % MOD
print(dp[n - 1][m - 1])
