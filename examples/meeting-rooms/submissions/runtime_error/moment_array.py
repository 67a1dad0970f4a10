# Crashes: a difference array indexed by moment, sized for moments up to 10^6 instead of 10^9 (IndexError).
with open("input.txt", "rb") as f:
    data = list(map(int, f.read().split()))
n = data[0]
diff = [0] * (10**6 + 2)
for i in range(n):
    diff[data[1 + 2 * i]] += 1
    diff[data[2 + 2 * i]] -= 1
best = cur = 0
for d in diff:
    cur += d
    best = max(best, cur)
with open("output.txt", "w") as f:
    f.write(f"{best}\n")
