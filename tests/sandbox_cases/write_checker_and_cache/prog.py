# Tries to append to the judge's checker and to every file of the compile cache (the binaries other
# runs will execute). The runner checks their hashes afterwards.
import os

targets = ["@@CHECKER@@"]
for root, _dirs, files in os.walk("@@CACHE_DIR@@"):
    targets += [os.path.join(root, f) for f in files]
for t in targets:
    try:
        with open(t, "ab") as f:
            f.write(b"\nPWNED\n")
        print("WROTE", t)
    except OSError as exc:
        print("DENIED", t, exc.errno)
