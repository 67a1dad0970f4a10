# Spins on the CPU in Python; gives up after 20 s of wall time so a broken sandbox cannot hang the suite.
import time

start = time.time()
x = 0
while time.time() - start < 20:
    x += 1
