# Runs right after another program on the same worker slot. A Python program may be served by a
# warm interpreter forked from the slot's runner (a zygote): then its memory is a copy of the
# runner's, which handled the previous run's files and output. Scans every readable mapping of
# its own memory for the previous run's secret and prints what it finds.
import re

pattern = re.compile(rb"HOSTILE-SECRET-VICTIM-[0-9a-f]{12}")
found = set()
scanned = 0
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
    for line in maps:
        addr, perms = line.split()[:2]
        if "r" not in perms or "[vvar" in line or "[vsyscall" in line:
            continue
        start, end = (int(x, 16) for x in addr.split("-"))
        if end - start > 256 << 20 or scanned > 1 << 30:
            continue
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except (OSError, OverflowError, ValueError):
            continue
        scanned += len(data)
        found.update(pattern.findall(data))
print("SCANNED", scanned)
for secret in sorted(found):
    print("FOUND", secret.decode())
