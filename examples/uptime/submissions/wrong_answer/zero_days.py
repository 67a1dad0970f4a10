# Near miss (missed edge case): the days are always shown, so short durations get a "0 days, " prefix.
import sys

data = sys.stdin.buffer.read().split()
out = []
for x in data[1 : int(data[0]) + 1]:
    days, rest = divmod(int(x), 86400)
    unit = "day" if days == 1 else "days"
    out.append(f"{days} {unit}, {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}\n")
sys.stdout.write("".join(out))
