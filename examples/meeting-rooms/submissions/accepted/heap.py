# Meetings by start time; a min-heap holds the end times of the rooms in use.
import heapq

with open("input.txt", "rb") as f:
    data = list(map(int, f.read().split()))
n = data[0]
meetings = sorted(zip(data[1 : 2 * n + 1 : 2], data[2 : 2 * n + 2 : 2]))
ends: list[int] = []
for l, r in meetings:
    if ends and ends[0] <= l:
        heapq.heapreplace(ends, r)
    else:
        heapq.heappush(ends, r)
with open("output.txt", "w") as f:
    f.write(f"{len(ends)}\n")
