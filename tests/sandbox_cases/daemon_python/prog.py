# Daemonizes from Python (fork, setsid, fork) and returns at once; the daemon outlives its parent
# unless the sandbox kills the whole run. Under a zygote it is a fork of the sandbox's own
# interpreter, so it carries no marker of its own: only the process tree shows it.
import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for i in range(30):
            time.sleep(1)
            try:
                with open("/tmp/hostile-pwned-pydaemon", "a") as f:
                    f.write("alive\n")
            except OSError:
                pass
        os._exit(0)
    os._exit(0)
print("parent done")
