# Looks for a secret in the host's /tmp: by its host path, and by walking /tmp and /var/tmp.
import os

targets = ["@@SECRET_TMP@@"]


def walk(root, depth=3):
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for e in entries:
        if "hostile-secret" in e.name:
            targets.append(e.path)
        elif depth and e.is_dir(follow_symlinks=False):
            walk(e.path, depth - 1)


for root in ("/tmp", "/var/tmp", "@@HOST_TMP@@"):
    walk(root)
for t in targets:
    try:
        with open(t, "rb") as f:
            print("READ", t, f.read(200).decode("latin-1"))
    except OSError as exc:
        print("DENIED", t, exc.errno)
