# Tries a TCP service the runner listens on at the host's 127.0.0.1, and the same port on the
# host's other addresses; prints CONNECTED on success.
import socket

port = int("@@PORT@@")
host_ips = "@@HOST_IPS@@"  # filled in by the runner, space-separated
for host in ["127.0.0.1", "::1", "localhost", *host_ips.split()]:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect((host, port))
            s.sendall(b"HOSTILE HELLO\n")
            print("CONNECTED", host, port, flush=True)
    except OSError as exc:
        print("DENIED", host, port, exc, flush=True)
