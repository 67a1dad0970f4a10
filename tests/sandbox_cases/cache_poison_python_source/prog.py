# Run 1 ("poison") rewrites its own source file and every file in its work directory; run 2
# ("check") must still be the original program.
import os
import sys

mode = sys.stdin.readline().strip()
print("ORIGINAL", flush=True)
if mode == "poison":
    for path in {os.path.abspath(__file__), *(os.path.abspath(n) for n in os.listdir("."))}:
        try:
            with open(path, "w") as f:
                f.write("print('POISONED')\n")
        except OSError:
            pass
