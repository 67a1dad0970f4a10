import sys


def main() -> None:
    data = sys.stdin.buffer.read().split()
    t, pos, out = int(data[0]), 1, []
    for _ in range(t):
        k, s = int(data[pos + 1]), data[pos + 2]
        pos += 3
        out.append(sum(1 for block in s.split(b"0") if len(block) >= k))
    sys.stdout.write("\n".join(map(str, out)) + "\n")


main()
