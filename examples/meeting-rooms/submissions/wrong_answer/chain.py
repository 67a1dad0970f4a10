# Near miss: counts the longest chain of meetings each overlapping the previous one, which is not the
# number of meetings running at once.
with open("input.txt", "rb") as f:
    data = list(map(int, f.read().split()))
n = data[0]
meetings = sorted(zip(data[1 : 2 * n + 1 : 2], data[2 : 2 * n + 2 : 2]))
best = run = 1
for (l1, r1), (l2, r2) in zip(meetings, meetings[1:]):
    run = run + 1 if l2 < r1 else 1
    best = max(best, run)
with open("output.txt", "w") as f:
    f.write(f"{best}\n")
