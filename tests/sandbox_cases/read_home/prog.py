# Looks for the runner's planted secret in the home directory: by its exact host path, by walking
# $HOME, ~ and /root, and through /proc/*/cwd. Prints whatever secret files it can read.
import os

targets = ["@@SECRET_HOME@@"]
roots = ["@@HOME@@", os.path.expanduser("~"), "/root", "/home"]
for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
    if pid.isdigit():
        roots.append(f"/proc/{pid}/root@@HOME@@")


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
