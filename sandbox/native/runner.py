"""The in-sandbox runner: lives inside one bubblewrap sandbox (a worker slot) and runs programs.

This file is executed by the system's /usr/bin/python3 inside the sandbox, so it uses the standard
library only and imports nothing of cpagent's. The host sends it run requests over a Unix socket; for
each run it:

1. clones a child B into a fresh PID and mount namespace (B is the run's init: when B exits, the
   kernel kills every process of the run, so daemons and orphans never outlive it);
2. B mounts fresh size-limited tmpfs on /work, /tmp and /dev/shm and a fresh /proc (nothing leaks
   between runs), writes the run's files, and forks C;
3. C moves itself into the run's cgroups (write-only fds the host opened), sets rlimits, a new
   session, stdin from the test file, stdout/stderr to pipes, closes every other fd, drops all
   capabilities (bounding set included), sets no_new_privs, installs the seccomp filter, and execs
   the program; or, for Python, runs it in this already warm interpreter (the zygote);
4. the runner reads stdout/stderr (enforcing the output limit), polls the cgroup's CPU time and the
   wall clock, and kills B when a limit is hit; B reports C's wait status and collected files.

Wire format (both directions): 4-byte big-endian length, a JSON header whose "blobs" lists the byte
lengths of the binary payloads that follow. File descriptors travel with a 1-byte message before
a request (SCM_RIGHTS).
"""

import ctypes
import errno
import json
import os
import platform
import select
import signal
import socket
import struct
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP = 1, 4, 24
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, PR_CAP_AMBIENT = 38, 22, 47
PR_CAP_AMBIENT_CLEAR_ALL, PR_SET_CHILD_SUBREAPER = 4, 36
SECCOMP_MODE_FILTER = 2
SYS_CLONE = {"x86_64": 56, "aarch64": 220}.get(platform.machine(), 56)
SYS_CAPSET = {"x86_64": 126, "aarch64": 91}.get(platform.machine(), 126)
MAX_FDS = 16
PYTHON_NAMES = ("python3", "python", "python3.11", "python3.12", "python3.13")


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def check(ret, what):
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))
    return ret


# -- wire -----------------------------------------------------------------------------------------
def recv_exact(sock, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError("host closed the connection")
        got += k
    return bytes(buf)


def recv_frame(sock):
    (n,) = struct.unpack(">I", recv_exact(sock, 4))
    header = json.loads(recv_exact(sock, n))
    blobs = [recv_exact(sock, size) for size in header.get("blobs", [])]
    return header, blobs


def send_frame(sock, header, blobs=()):
    header = dict(header, blobs=[len(b) for b in blobs])
    data = json.dumps(header).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)
    for b in blobs:
        sock.sendall(b)


def recv_fds(sock):
    msg, fds, _flags, _addr = socket.recv_fds(sock, 1, MAX_FDS)
    if not msg:
        raise EOFError("host closed the connection")
    for fd in fds:
        os.set_inheritable(fd, False)
    return fds


# -- isolation steps --------------------------------------------------------------------------------
def mount_tmpfs(target, size_mb, mode="1777"):
    opts = ("size=%dm,mode=%s" % (max(1, size_mb), mode)).encode()
    check(libc.mount(b"tmpfs", target.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, opts), "mount " + target)


def drop_capabilities():
    for cap in range(0, 64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 and ctypes.get_errno() == errno.EINVAL:
            break
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (CapData * 2)()
    check(libc.syscall(SYS_CAPSET, ctypes.byref(header), ctypes.byref(data)), "capset")


def install_seccomp(bpf):
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if not bpf:
        return
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0), "seccomp")


def set_rlimits(req):
    import resource

    cpu = int(req["cpu_s"]) + 2  # backstop only: the runner stops the run at the cgroup's CPU time
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    fsize = int(req["fsize"])
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    stack = int(req["stack"])
    resource.setrlimit(resource.RLIMIT_STACK, (stack, stack))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(req["nofile"]),) * 2)
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    if req.get("address_space"):
        resource.setrlimit(resource.RLIMIT_AS, (int(req["address_space"]),) * 2)


def write_files(req, blobs, fds):
    for f in req["files"]:
        path = "/work/" + f["name"]
        parent = os.path.dirname(path)
        if parent != "/work":
            os.makedirs(parent, exist_ok=True)
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o755 if f["exec"] else 0o644)
        try:
            if "blob" in f:
                data = memoryview(blobs[f["blob"]])
                while data:
                    data = data[os.write(out, data):]
            else:
                src = fds[f["fd"]]
                size = os.fstat(src).st_size
                offset = 0
                while offset < size:
                    n = os.sendfile(out, src, offset, size - offset)
                    if n == 0:
                        break
                    offset += n
        finally:
            os.close(out)


def collect_files(names, limit):
    """Regular files only; a symlink (or anything else) is refused, never followed."""
    out = []
    for name in names:
        try:
            fd = os.open("/work/" + name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            out.append((name, None, "missing" if exc.errno == errno.ENOENT else "refused: " + exc.strerror))
            continue
        try:
            import stat as stat_mod

            st = os.fstat(fd)
            if not stat_mod.S_ISREG(st.st_mode):
                out.append((name, None, "refused: not a regular file"))
                continue
            chunks, total = [], 0
            while total <= limit:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            out.append((name, b"".join(chunks)[:limit], ""))
        finally:
            os.close(fd)
    return out


# -- the zygote ------------------------------------------------------------------------------------
ORIGINAL_STREAMS = {}


DEPTH_PROBE_SOURCE = """
def _probe(n):
    try:
        return _probe(n + 1)
    except RecursionError:
        return n
DEPTH = _probe(1)
"""
DEPTH_PROBE = compile(DEPTH_PROBE_SOURCE, "<probe>", "exec")
FRESH_DEPTH = 0  # how deep a program's recursion reaches under a fresh python3 (measured once)


def measure_fresh_depth():
    import subprocess

    try:
        out = subprocess.run([sys.executable, "-c", DEPTH_PROBE_SOURCE + "\nprint(DEPTH)\n"],
                             capture_output=True, timeout=20, env={"PATH": "/usr/bin:/bin"})
        return int(out.stdout)
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


def zygote_preload():
    """Warm the interpreter once per slot with what judged programs usually import."""
    global FRESH_DEPTH
    FRESH_DEPTH = measure_fresh_depth()
    for name in ("io", "math", "collections", "itertools", "functools", "heapq", "bisect", "re",
                 "string", "operator", "array", "types", "traceback", "typing", "dataclasses",
                 "fractions", "decimal", "copy", "atexit"):
        try:
            __import__(name)
        except Exception:
            pass
    for name in ("stdin", "stdout", "stderr"):
        stream = getattr(sys, name)
        ORIGINAL_STREAMS[name] = (stream.encoding, stream.errors) if stream is not None else ("utf-8", "strict")


ZYGOTE_OPTIONS = ("-B", "-u", "-s")  # options that do not change how the program itself runs
ZYGOTE_LOCALES = ("C.UTF-8", "C.utf8", "C", "POSIX")


def zygote_plan(req):
    """How to serve `python3 [-B|-u|-s] script.py args` in the warm interpreter, or None to exec.

    Only what this interpreter can reproduce exactly is served: the same executable, no options
    that change semantics, and no interpreter-level environment beyond the stream encoding, a hash
    seed of 0 (the runner itself runs with PYTHONHASHSEED=0), unbuffered output, and a UTF-8 locale.
    """
    argv = req["argv"]
    if not argv or os.path.basename(argv[0]) not in PYTHON_NAMES:
        return None
    exe = argv[0] if "/" in argv[0] else "/usr/bin/" + argv[0]
    try:
        if os.path.realpath(exe) != os.path.realpath(sys.executable):
            return None
    except OSError:
        return None
    i, unbuffered = 1, False
    while i < len(argv) and argv[i].startswith("-"):
        if argv[i] not in ZYGOTE_OPTIONS:
            return None
        unbuffered = unbuffered or argv[i] == "-u"
        i += 1
    if i >= len(argv):
        return None
    encoding = errors = None
    for key, value in req["env"]:
        if key == "PYTHONIOENCODING":
            encoding, _, errors = value.partition(":")
            encoding, errors = encoding or None, errors or None
        elif key == "PYTHONHASHSEED":
            if value != "0":
                return None
        elif key == "PYTHONUNBUFFERED":
            unbuffered = unbuffered or bool(value)
        elif key == "PYTHONDONTWRITEBYTECODE":
            continue
        elif key in ("LANG", "LC_ALL", "LC_CTYPE"):
            if value not in ZYGOTE_LOCALES:
                return None
        elif key.startswith("PYTHON") or key.startswith("LC_"):
            return None
    return {"script": argv[i], "args": argv[i + 1:], "argv0": argv[0], "unbuffered": unbuffered,
            "encoding": encoding, "errors": errors}


def zygote_serves(req):
    return zygote_plan(req) is not None


def zygote_run(plan, env):
    """Run a Python program in this (forked) interpreter as `python3 script args` would."""
    import io
    import random
    import types

    os.environ.clear()
    os.environ.update(env)
    script = plan["script"]
    path = script if script.startswith("/") else "/work/" + script
    sys.argv = [script] + list(plan["args"])
    sys.path[0] = os.path.dirname(path)
    enc = ORIGINAL_STREAMS

    def stream(fd, name, mode):
        encoding = plan["encoding"] or enc[name][0]
        errors = enc[name][1] if name == "stderr" else (plan["errors"] or enc[name][1])
        raw = io.FileIO(fd, mode, closefd=False)
        if mode == "r":
            return io.TextIOWrapper(io.BufferedReader(raw), encoding=encoding, errors=errors)
        if plan["unbuffered"]:
            return io.TextIOWrapper(raw, encoding=encoding, errors=errors, write_through=True)
        return io.TextIOWrapper(io.BufferedWriter(raw), encoding=encoding, errors=errors,
                                line_buffering=name == "stderr")

    sys.stdin = sys.__stdin__ = stream(0, "stdin", "r")
    sys.stdout = sys.__stdout__ = stream(1, "stdout", "w")
    sys.stderr = sys.__stderr__ = stream(2, "stderr", "w")
    random.seed()
    for sig in (signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_IGN if sig in (signal.SIGPIPE, signal.SIGXFSZ) else signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # The program starts a few frames deep in this runner; lift the limit by exactly that much so
    # that deep recursion fails (or not) at the same depth as under a fresh python3.
    if FRESH_DEPTH:
        probe = {}
        exec(DEPTH_PROBE, probe)
        sys.setrecursionlimit(sys.getrecursionlimit() + FRESH_DEPTH - probe["DEPTH"])
    code = 0
    try:
        with open(path, "rb") as f:
            source = f.read()
    except OSError as exc:
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n" % (plan["argv0"], path, exc.errno, exc.strerror))
        os._exit(finish_interpreter(2))
    try:
        main = types.ModuleType("__main__")
        main.__file__ = path
        main.__cached__ = None
        main.__builtins__ = __builtins__
        sys.modules["__main__"] = main
        compiled = compile(source, path, "exec")
        exec(compiled, main.__dict__)
    except SystemExit as exc:
        code = exit_code_of(exc)
    except BaseException as exc:  # noqa: BLE001 - exactly what the interpreter does
        tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
        exc.__traceback__ = tb  # hide this frame: the traceback starts in the program, as in python3
        try:
            sys.excepthook(type(exc), exc, tb)
        except BaseException:
            pass
        code = 1
    code = finish_interpreter(code)
    os._exit(code)


def exit_code_of(exc):
    arg = exc.code
    if arg is None:
        return 0
    if isinstance(arg, int):
        return arg & 0xFF
    try:
        sys.stderr.write(str(arg) + "\n")
    except BaseException:
        pass
    return 1


def finish_interpreter(code):
    """What Py_FinalizeEx does first: join threads, run atexit, flush the streams."""
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
    except BaseException:
        pass
    try:
        import atexit

        atexit._run_exitfuncs()
    except SystemExit as exc:
        code = exit_code_of(exc)
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            if stream is sys.stdout:
                code = 120
    return code


# -- one run ---------------------------------------------------------------------------------------
def raw_clone(flags):
    """fork() into new namespaces: the child is PID 1 of its own PID namespace."""
    pid = libc.syscall(SYS_CLONE, flags | signal.SIGCHLD, None, None, None, None)
    if pid < 0:
        err = ctypes.get_errno()
        raise OSError(err, "clone: " + os.strerror(err))
    return pid


def child_c(chan, procs_fds, bpf, error_w):
    """The program's process: join the run's cgroups, wait for the run, confine, exec. Never returns.

    It is forked ahead of time (the standby) because joining a cgroup waits for an RCU grace period
    (milliseconds): a process that is already inside when the run arrives costs nothing.
    """
    try:
        for fd in procs_fds:
            os.write(fd, b"0")
            os.close(fd)
        try:
            fds = recv_fds(chan)
            req, _ = recv_frame(chan)
        except EOFError:
            os._exit(0)
        chan.close()
        os.setsid()
        set_rlimits(req)
        out_w, err_w = fds[0], fds[1]
        stdin_fd = fds[2] if req["has_stdin"] else os.open("/dev/null", os.O_RDONLY)
        os.dup2(stdin_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        if error_w != 3:
            os.dup2(error_w, 3)
        error_w = 3
        os.set_inheritable(3, False)
        os.closerange(4, 1 << 20)  # close_range(2): no inherited descriptor reaches the program
        os.chdir("/work")
        env = dict(req["env"]) or {"PATH": "/usr/local/bin:/usr/bin:/bin"}
        env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
        plan = zygote_plan(req) if req.get("zygote") else None
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        drop_capabilities()
        install_seccomp(bpf)
        if plan is not None:
            os.write(3, b"Z")
            os.close(3)
            zygote_run(plan, env)
        os.execvpe(req["argv"][0], req["argv"], env)
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(error_w, ("E" + "%s: %s" % (type(exc).__name__, exc)).encode()[:4000])
        except BaseException:
            pass
    os._exit(127)


def init_b(chan, status_w, procs_fds, bpf):
    """PID 1 of a run: private file systems, the standby C, then the run and its report."""
    try:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
        mounts = ("/work", "/tmp", "/dev/shm")
        size = DEFAULT_TMPFS_MB
        for target in mounts:
            mount_tmpfs(target, size, "0755" if target == "/work" else "1777")
        check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")
        to_c, c_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        error_r, error_w = os.pipe2(os.O_CLOEXEC)
        pid = os.fork()
        if pid == 0:
            to_c.close()
            chan.close()
            os.close(error_r)
            os.close(status_w)
            child_c(c_end, procs_fds, bpf, error_w)
        c_end.close()
        os.close(error_w)
        for fd in procs_fds:
            os.close(fd)
        try:
            fds = recv_fds(chan)
            req, blobs = recv_frame(chan)
        except EOFError:
            os._exit(0)  # the slot is closing: the standby was never used
        t_got = time.monotonic()
        if req["tmpfs_mb"] != size:
            for target in mounts:
                opts = ("size=%dm" % max(1, req["tmpfs_mb"])).encode()
                check(libc.mount(b"tmpfs", target.encode(), b"tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, opts),
                      "resize " + target)
        write_files(req, blobs, fds)
        c_fds = fds[:3] if req["has_stdin"] else fds[:2]
        socket.send_fds(to_c, [b"F"], c_fds)
        send_frame(to_c, {k: req[k] for k in C_KEYS})
        to_c.close()
        for fd in fds:
            os.close(fd)
        t_sent = time.monotonic()
        status = rusage = None
        while status is None:
            try:
                got, st, ru = os.wait4(-1, 0)
            except ChildProcessError:
                break
            if got == pid:
                status, rusage = st, ru
        setup_error = b""
        while True:
            chunk = os.read(error_r, 4096)
            if not chunk:
                break
            setup_error += chunk
        zygote = setup_error.startswith(b"Z")
        if zygote:
            setup_error = setup_error[1:]
        report = {"zygote": zygote, "trace": [t_got, t_sent, time.monotonic()]}
        if setup_error:
            report["setup_error"] = setup_error[1:].decode("utf-8", "replace")
        if status is not None:
            report["exit_code"] = os.waitstatus_to_exitcode(status)
            report["user_s"] = rusage.ru_utime
            report["sys_s"] = rusage.ru_stime
        files = collect_files(req["collect"], int(req["fsize"]))
        report["files"] = [[n, e] for n, _, e in files]
        blobs_out = [d if d is not None else b"" for _, d, _ in files]
        send_pipe_frame(status_w, report, blobs_out)
    except BaseException as exc:  # noqa: BLE001
        try:
            send_pipe_frame(status_w, {"setup_error": "%s: %s" % (type(exc).__name__, exc), "files": []}, [])
        except BaseException:
            pass
    os._exit(0)


C_KEYS = ("argv", "env", "cpu_s", "fsize", "stack", "nofile", "address_space", "has_stdin", "zygote")
DEFAULT_TMPFS_MB = 64
MS_REMOUNT = 32


class Standby:
    """A run's init (B) and program process (C), made ahead of time and waiting for the request."""

    def __init__(self, procs_fds, bpf):
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.status_r, status_w = os.pipe2(os.O_CLOEXEC)
        pid = raw_clone(CLONE_NEWPID | CLONE_NEWNS)
        if pid == 0:
            try:
                self.sock.close()
                os.close(self.status_r)
                os.close(SOCK_FD)
                init_b(theirs, status_w, procs_fds, bpf)
            finally:
                os._exit(0)
        self.pid = pid
        theirs.close()
        os.close(status_w)
        for fd in procs_fds:
            os.close(fd)

    def discard(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        self.sock.close()
        os.close(self.status_r)


STANDBY = None


def send_pipe_frame(fd, header, blobs):
    header = dict(header, blobs=[len(b) for b in blobs])
    data = json.dumps(header).encode()
    for chunk in [struct.pack(">I", len(data)) + data] + list(blobs):
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view):]


def parse_pipe_frame(data):
    if len(data) < 4:
        return None, []
    (n,) = struct.unpack(">I", data[:4])
    header = json.loads(data[4:4 + n])
    blobs, pos = [], 4 + n
    for size in header.get("blobs", []):
        blobs.append(data[pos:pos + size])
        pos += size
    return header, blobs


def read_cpu(fd, v2):
    try:
        text = os.pread(fd, 4096, 0).decode()
    except OSError:
        return 0.0
    if not v2:
        return int(text.strip() or 0) / 1e9
    for line in text.splitlines():
        if line.startswith("usage_usec "):
            return int(line.split()[1]) / 1e6
    return 0.0


def run_one(req, blobs, fds, bpf):
    global STANDBY, NEXT_PROCS
    this_procs = [fds[i] for i in req["procs_fds"]]
    keep = [fd for i, fd in enumerate(fds) if i not in req["procs_fds"]]  # still open after the standby
    if STANDBY is None:
        STANDBY = Standby(this_procs, bpf)
    else:
        for fd in this_procs:
            os.close(fd)
    sb, STANDBY = STANDBY, None
    pid, status_r = sb.pid, sb.status_r
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    direct_out = req.get("stdout_fd", -1)
    if direct_out >= 0:  # interactive: stdout goes straight to the other program
        os.close(out_w)
        out_w = fds[direct_out]
    b_fds = [out_w, err_w]
    has_stdin = req.get("stdin_fd", -1) >= 0
    if has_stdin:
        b_fds.append(fds[req["stdin_fd"]])
    files = []
    for f in req["files"]:
        f = dict(f)
        if "fd" in f:
            b_fds.append(fds[f["fd"]])
            f["fd"] = len(b_fds) - 1
        files.append(f)
    b_req = {k: req.get(k) for k in C_KEYS + ("collect", "tmpfs_mb")}
    b_req.update(files=files, has_stdin=has_stdin)
    start = time.monotonic()
    try:
        socket.send_fds(sb.sock, [b"F"], b_fds)
        send_frame(sb.sock, b_req, blobs)
    except OSError:
        pass  # B died: reported below as a run without a report (IE)
    sb.sock.close()
    cpu_fd = fds[req["cpu_fd"]] if req.get("cpu_fd", -1) >= 0 else -1
    relay_fd = fds[req["relay_fd"]] if req.get("relay_fd", -1) >= 0 else -1
    next_procs = [fds[i] for i in req.get("next_procs_fds", [])]
    for fd in set(keep) | {out_w, err_w}:
        if fd not in (cpu_fd, relay_fd) and fd not in next_procs:
            os.close(fd)
    if relay_fd >= 0:
        os.set_blocking(relay_fd, False)
    out_limit, err_limit = int(req["output_limit"]), int(req["stderr_limit"])
    wall_limit, cpu_limit = float(req["wall_s"]), float(req["cpu_s"])
    v2 = req.get("cgroup_v2", False)
    streams = {out_r: bytearray(), err_r: bytearray(), status_r: bytearray()}
    limits = {out_r: out_limit, err_r: err_limit, status_r: 1 << 62}
    truncated = {out_r: False, err_r: False}
    pending = bytearray()  # interactive relay: bytes not yet taken by the other program
    killed = ""
    poller = select.poll()
    for fd in streams:
        poller.register(fd, select.POLLIN)
    open_fds = set(streams)
    b_done = False
    t_bdone = 0.0
    while open_fds:
        now = time.monotonic()
        if not killed and not b_done:
            if now - start >= wall_limit:
                killed = "wall"
            elif cpu_fd >= 0 and read_cpu(cpu_fd, v2) > cpu_limit:
                killed = "cpu"
            if killed:
                os.kill(pid, signal.SIGKILL)
        if b_done or killed:
            timeout = 50
        else:
            timeout = int(1000 * min(wall_limit - (now - start), max(0.005, min(0.05, cpu_limit / 20)))) + 1
        if relay_fd >= 0:
            poller.register(relay_fd, select.POLLOUT) if pending else None
        events = poller.poll(timeout)
        if not events and (b_done or killed):
            break  # B is gone; orphaned writers died with its namespace
        for fd, ev in events:
            if fd == relay_fd:
                try:
                    n = os.write(relay_fd, pending)
                    del pending[:n]
                except BlockingIOError:
                    pass
                except OSError:
                    pending.clear()
                if not pending:
                    poller.unregister(relay_fd)
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                poller.unregister(fd)
                open_fds.discard(fd)
                if fd == status_r:
                    b_done = True
                    t_bdone = time.monotonic()
                continue
            buf = streams[fd]
            room = limits[fd] - len(buf)
            if fd != status_r and relay_fd >= 0 and fd == out_r:
                pending += chunk
            if len(chunk) > room:
                buf += chunk[:max(room, 0)]
                if fd != status_r:
                    truncated[fd] = True
                    if fd == out_r and not killed:
                        killed = "output"
                        os.kill(pid, signal.SIGKILL)
            else:
                buf += chunk
    wall = time.monotonic() - start
    os.kill(pid, signal.SIGKILL) if not b_done else None
    os.waitpid(pid, 0)
    if relay_fd >= 0:
        os.set_blocking(relay_fd, True)
        os.close(relay_fd)
    for fd in (out_r, err_r, status_r):
        os.close(fd)
    if cpu_fd >= 0:
        os.close(cpu_fd)
    report, file_blobs = parse_pipe_frame(bytes(streams[status_r]))
    NEXT_PROCS = next_procs
    result = {
        "trace": [start, t_bdone, time.monotonic()],
        "wall_s": wall, "killed": killed, "report": report,
        "stdout_truncated": truncated[out_r], "stderr_truncated": truncated[err_r],
    }
    return result, [bytes(streams[out_r]), bytes(streams[err_r])] + list(file_blobs)


SOCK_FD = -1
NEXT_PROCS = []


def main():
    global SOCK_FD
    SOCK_FD = int(sys.argv[1])
    sock = socket.socket(fileno=SOCK_FD)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    init, init_blobs = recv_frame(sock)
    bpf = init_blobs[0] if init_blobs else b""
    if init.get("zygote", True):
        zygote_preload()
    send_frame(sock, {"ready": True, "pid": os.getpid()})
    while True:
        try:
            fds = recv_fds(sock)
            req, blobs = recv_frame(sock)
        except EOFError:
            return
        if req.get("op") == "exit":
            return
        if req.get("op") == "ping":
            send_frame(sock, {"pong": True})
            continue
        try:
            result, out_blobs = run_one(req, blobs, fds, bpf)
        except BaseException as exc:  # noqa: BLE001 - reported as IE, never as the program's
            send_frame(sock, {"error": "%s: %s" % (type(exc).__name__, exc)})
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            continue
        send_frame(sock, result, out_blobs)
        prepare_next(bpf)


def prepare_next(bpf):
    """Make the next run's standby right after replying, off the critical path."""
    global NEXT_PROCS, STANDBY
    procs, NEXT_PROCS = NEXT_PROCS, []
    if procs and STANDBY is None:
        try:
            STANDBY = Standby(procs, bpf)
        except BaseException as exc:  # noqa: BLE001 - the next run makes its own
            sys.stderr.write("standby failed: %s\n" % exc)


if __name__ == "__main__":
    main()
