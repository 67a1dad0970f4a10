# Tries the internet: DNS, TCP to public addresses and to the package index this machine may reach,
# and UDP. Prints CONNECTED / RESOLVED / SENT for anything that worked.
import socket

for host in ("pypi.org", "deb.debian.org", "example.com"):
    try:
        print("RESOLVED", host, socket.gethostbyname(host), flush=True)
    except OSError as exc:
        print("DENIED resolve", host, exc, flush=True)
for addr in (
    ("1.1.1.1", 80),
    ("8.8.8.8", 53),
    ("151.101.0.223", 443),
    ("pypi.org", 443),
    ("2606:4700:4700::1111", 80),
):
    try:
        family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(addr)
            print("CONNECTED", addr, flush=True)
    except OSError as exc:
        print("DENIED", addr, exc, flush=True)
try:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"hostile", ("8.8.8.8", 53))
        print("SENT udp", flush=True)
except OSError as exc:
    print("DENIED udp", exc, flush=True)
