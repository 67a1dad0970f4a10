# Runs beside a victim run that keeps a secret in its work directory, /tmp and /dev/shm. Waits a
# moment, then hunts for the victim's files: by walking the file system it can see and through
# every /proc/<pid>/cwd and /proc/<pid>/root.
import os
import time

time.sleep(0.5)
found = []


def walk(root, depth):
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    for e in entries:
        if "victim_" in e.name:
            found.append(e.path)
        elif depth and e.is_dir(follow_symlinks=False) and e.path not in ("/proc", "/sys", "/usr", "/dev"):
            walk(e.path, depth - 1)


walk("/", 4)
for root in ("/tmp", "/dev/shm", "/var/tmp", "@@HOST_TMP@@"):
    walk(root, 4)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for sub in ("cwd", "root/tmp", "root/dev/shm"):
            walk(f"/proc/{pid}/{sub}", 1)
for path in found:
    try:
        with open(path, "rb") as f:
            print("READ", path, f.read(200).decode("latin-1"))
    except OSError as exc:
        print("DENIED", path, exc.errno)
