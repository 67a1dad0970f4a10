# Looks for the runner's planted secret in the project checkout: its host path, a walk of the
# checkout, and relative paths out of the work directory.
import os

targets = ["@@SECRET_CHECKOUT@@"]
roots = ["@@CHECKOUT@@", "..", "../..", "../../..", "/work"]


def walk(root, depth=2):
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for e in entries:
        if "hostile-secret" in e.name:
            targets.append(e.path)
        elif depth and e.is_dir(follow_symlinks=False):
            walk(e.path, depth - 1)


for root in roots:
    walk(root)
for t in targets:
    try:
        with open(t, "rb") as f:
            print("READ", t, f.read(200).decode("latin-1"))
    except OSError as exc:
        print("DENIED", t, exc.errno)
