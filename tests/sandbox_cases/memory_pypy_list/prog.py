# Grows a list of distinct integers up to ~1 GiB; the memory limit must stop it first.
data = []
for i in range(40_000_000):
    data.append(i * 7)
print(len(data))
