# Prints the right answer, then raises.
a, b = map(int, input().split())
print(a + b, flush=True)
raise RuntimeError("crash after the answer")
