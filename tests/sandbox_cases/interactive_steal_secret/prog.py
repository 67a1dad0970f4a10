# An interactive solution that cannot know the answer, so it looks for the interactor's files: its
# own work directory, every /proc/<pid>/cwd, root, fd and environ, and the file systems it can see.
# Sends whatever secret it finds as its guess.
import os
import re
import stat

pattern = re.compile(rb"HOSTILE-SECRET-ANSWERS-[0-9a-f]{12}")
input()  # "guess"
found = []


def look(path):
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return  # pipes (its own stdin among them) would block
        with open(path, "rb") as f:
            found.extend(pattern.findall(f.read(1 << 20)))
    except OSError:
        pass


for name in ("input.txt", "answer.txt", "../input.txt", "/work/input.txt", "/work/answer.txt"):
    look(name)
for pid in (p for p in os.listdir("/proc") if p.isdigit()):
    for sub in (
        "cwd/input.txt",
        "cwd/answer.txt",
        "root/work/input.txt",
        "root/work/answer.txt",
        "environ",
        "cmdline",
    ):
        look(f"/proc/{pid}/{sub}")
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            look(f"/proc/{pid}/fd/{fd}")
    except OSError:
        pass
for root in ("/tmp", "/dev/shm", "/var/tmp", "/work", "/"):
    for dirpath, dirs, files in os.walk(root):
        if dirpath.count("/") > 4 or dirpath.startswith(("/proc", "/sys", "/usr")):
            dirs[:] = []
            continue
        for f in files:
            if f in ("input.txt", "answer.txt"):
                look(os.path.join(dirpath, f))
print(found[0].decode() if found else "nothing", flush=True)
