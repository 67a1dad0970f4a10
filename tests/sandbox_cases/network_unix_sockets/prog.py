# Tries the host's Unix sockets: an abstract-namespace socket and a path socket the runner
# listens on, and the usual system sockets (docker, dbus). Prints CONNECTED on success.
import socket

targets = ["\0@@ABSTRACT@@", "@@UNIX_SOCKET@@", "/var/run/docker.sock", "/run/dbus/system_bus_socket"]
for path in targets:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(path)
            s.sendall(b"HOSTILE HELLO\n")
            print("CONNECTED", repr(path), flush=True)
    except OSError as exc:
        print("DENIED", repr(path), exc, flush=True)
