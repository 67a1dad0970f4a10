import sys


def show(s: int) -> str:
    days, rest = divmod(s, 86400)
    clock = f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"
    if days == 0:
        return clock
    return f"{days} day, {clock}" if days == 1 else f"{days} days, {clock}"


data = sys.stdin.buffer.read().split()
t = int(data[0])
sys.stdout.write("".join(show(int(x)) + "\n" for x in data[1 : t + 1]))
