"""The in-sandbox runner: lives inside one bubblewrap sandbox (a worker slot) and makes runs.

This file is executed by the system's /usr/bin/python3 inside the sandbox, so it uses the standard
library only and imports nothing of cpagent's. The runner never sits on a run's critical path: on the
host's request ("prepare", with the write-only `cgroup.procs` fds of the next run's cgroups) it makes
a *standby* ahead of time and hands the host two sockets, one to B and one to C:

* B is cloned into a fresh PID and mount namespace: it is the run's init, so when B exits the
  kernel kills every process of the run (daemons and orphans never outlive it). B mounts fresh
  size-limited tmpfs on /work, /tmp and /dev/shm and a fresh /proc (nothing leaks between runs),
  forks C, and waits for the host's "watch" request: it then reads stdout/stderr (enforcing the
  output limit), polls the cgroup's CPU time and the wall clock, kills the whole run on a limit,
  and when C ends reports C's wait status, the outputs and the collected files to the host.
* C joins the run's cgroups at once (joining can wait for an RCU grace period: done ahead of time,
  it costs the run nothing) and waits for the host's "exec" request: it writes the run's files, sets
  rlimits, a new session, stdin from the test file, stdout/stderr to B's pipes, closes every other
  fd, drops every capability (bounding set included), sets no_new_privs, installs the seccomp
  filter and execs the program, or, for Python, runs it in this warm interpreter (the zygote).

With the zygote library (helper.c built with CPAGENT_LIBRARY, sent by the host beside the helper),
the runner's loop for Python standbys is C (cpagent_serve): B is a clone of the C standby server and
C the one copy of this interpreter per run, forked into B's namespaces as B's child; C confines
itself in C (cpagent_python_child) and only then runs Python. The code below that makes B and C
from Python (two forks of this interpreter per run) is the fallback without a C compiler.

A run thus costs the host one message to C, one to B and one reply: three wake-ups, as few as a
plain fork and wait. Wire format: 4-byte big-endian length, a JSON header whose "blobs" lists the
byte lengths of the binary payloads that follow; descriptors travel with a 1-byte message (SCM_RIGHTS).
"""

import _weakref
import atexit
import codecs
import ctypes
import errno
import gc
import json
import os
import platform
import select
import signal
import socket
import struct
import sys
import time
import types

try:  # signal.signal without its enum wrapping: the wrapper's lookups copy pages in every forked run
    from _signal import SIG_DFL, SIG_IGN, signal as set_signal
except ImportError:  # pragma: no cover - another interpreter
    from signal import SIG_DFL, SIG_IGN, signal as set_signal

libc = ctypes.CDLL(None, use_errno=True)
default_int_handler = signal.default_int_handler
SIGINT_N, SIGPIPE_N, SIGXFSZ_N, SIGTERM_N, SIGCHLD_N = (int(s) for s in (
    signal.SIGINT, signal.SIGPIPE, signal.SIGXFSZ, signal.SIGTERM, signal.SIGCHLD))

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


SCAN_JSON = json.decoder.JSONDecoder().scan_once  # the C scanner: json.loads' Python layers copy pages per run


def parse_header(data):
    """json.loads of a header the host wrote with json.dumps (UTF-8, no surrounding whitespace)."""
    text = data.decode()
    try:
        value, end = SCAN_JSON(text, 0)
    except StopIteration:
        value, end = None, -1
    if end != len(text):
        return json.loads(text)  # anything unusual: the full parser (and its error)
    return value


def recv_frame(sock):
    (n,) = struct.unpack(">I", recv_exact(sock, 4))
    header = parse_header(recv_exact(sock, n))
    blobs = [recv_exact(sock, size) for size in header.get("blobs", [])]
    return header, blobs


def send_frame(sock, header, blobs=()):
    header = dict(header, blobs=[len(b) for b in blobs])
    data = json.dumps(header).encode()
    sock.sendall(struct.pack(">I", len(data)) + data)
    for b in blobs:
        sock.sendall(b)


FDS_SPACE = socket.CMSG_SPACE(MAX_FDS * 4)


def recv_fds(sock):
    """One 1-byte message and its descriptors (close-on-exec). Not socket.recv_fds: its Python layers
    (array objects, a generator) copy pages of every forked run."""
    msg, ancdata, _flags, _addr = sock.recvmsg(1, FDS_SPACE, socket.MSG_CMSG_CLOEXEC)
    fds = []
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds += struct.unpack("=%di" % (len(data) // 4), data[:len(data) - len(data) % 4])
    if not msg:
        for fd in fds:
            os.close(fd)
        raise EOFError("host closed the connection")
    return fds


# -- isolation steps --------------------------------------------------------------------------------
def mount_tmpfs(target, size_mb, mode="1777"):
    opts = ("size=%dm,mode=%s" % (max(1, size_mb), mode)).encode()
    check(libc.mount(b"tmpfs", target.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, opts), "mount " + target)


BOUNDING_SET_EMPTY = False  # the runner emptied it once for all its forks (see main)


def drop_bounding_set():
    for cap in range(0, 64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 and ctypes.get_errno() == errno.EINVAL:
            break


PREPARED = {}  # ctypes arguments made once in the runner: building them in each forked run copies pages


def prepare_confinement(bpf):
    """Build the capset and seccomp arguments once, before any fork (see PREPARED)."""
    PREPARED["cap_header"] = CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    PREPARED["cap_data"] = (CapData * 2)()
    if bpf:
        buf = ctypes.create_string_buffer(bpf, len(bpf))
        PREPARED["bpf"] = (bpf, buf, SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p)))


def drop_capabilities():
    if not BOUNDING_SET_EMPTY:
        drop_bounding_set()
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = PREPARED.get("cap_header") or CapHeader(0x20080522, 0)
    data = PREPARED.get("cap_data") or (CapData * 2)()
    check(libc.syscall(SYS_CAPSET, ctypes.byref(header), ctypes.byref(data)), "capset")


def install_seccomp(bpf):
    check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    if not bpf:
        return
    ready = PREPARED.get("bpf")
    if ready is not None and ready[0] == bpf:
        prog = ready[2]
    else:
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
    """Run the probe in a fresh python3. Not with subprocess: importing it imports threading, whose
    after-fork hooks would then cost every forked run about half a millisecond."""
    r, w = os.pipe()
    try:
        pid = os.posix_spawn(sys.executable, [sys.executable, "-c", DEPTH_PROBE_SOURCE + "\nprint(DEPTH)\n"],
                             {"PATH": "/usr/bin:/bin"}, file_actions=[(os.POSIX_SPAWN_DUP2, w, 1)])
    except OSError:
        os.close(r)
        os.close(w)
        return 0
    os.close(w)
    out = b""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([r], [], [], max(0.0, deadline - time.monotonic()))
        chunk = os.read(r, 4096) if ready else b""
        if not chunk:
            break
        out += chunk
    os.close(r)
    try:
        os.kill(pid, signal.SIGKILL) if not out.endswith(b"\n") else None
        os.waitpid(pid, 0)
    except OSError:
        pass
    try:
        return int(out)
    except ValueError:
        return 0


PROBED_DEPTH = 0  # how deep the probe reached here, from a frame PROBED_AT frames deep
PROBED_AT = 0


def frame_depth():
    """How many Python frames are below the caller's (cheap: about ten in the runner)."""
    depth, frame = 0, sys._getframe(1)
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


def calibrate_depth():
    """Probe once how deep recursion reaches in this interpreter from a known frame depth.

    Each Python frame costs one unit of the recursion limit, so from any other frame the probe
    would reach exactly `PROBED_DEPTH - (its depth - PROBED_AT)`: a run computes its adjustment
    with a frame count instead of recursing a thousand frames deep.
    """
    global PROBED_DEPTH, PROBED_AT
    PROBED_AT = frame_depth()
    probe = {}
    exec(DEPTH_PROBE, probe)
    PROBED_DEPTH = probe["DEPTH"]


def zygote_preload():
    """Warm the interpreter once per slot with what judged programs usually import."""
    global FRESH_DEPTH, COERCED_LC_CTYPE
    COERCED_LC_CTYPE = os.environ.get("LC_CTYPE", "")  # the slot sets no locale: python3 coerced it
    FRESH_DEPTH = measure_fresh_depth()
    # Nothing that imports threading (its after-fork hooks make every fork slower) and not random
    # (its import costs more than a trivial run, and its after-fork reseed costs every run).
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


REALPATHS = {}


def realpath(path):
    """os.path.realpath, remembered: the system's interpreter paths do not move under a slot."""
    if path not in REALPATHS:
        REALPATHS[path] = os.path.realpath(path)
    return REALPATHS[path]


ZYGOTE_OPTIONS = ("-B", "-u", "-s")  # options that do not change how the program itself runs
ZYGOTE_LOCALES = ("C.UTF-8", "C.utf8", "C", "POSIX")


def zygote_plan(req, executable=None):
    """How to serve `python3 [-B|-u|-s] script.py args` in the warm interpreter, or None to exec.

    Only what this interpreter can reproduce exactly is served: the same executable, no options
    that change semantics, and no interpreter-level environment beyond the stream encoding, a hash
    seed of 0 (the runner itself runs with PYTHONHASHSEED=0), unbuffered output, and a UTF-8 locale.
    """
    argv = req["argv"]
    if not argv or argv[0].rpartition("/")[2] not in PYTHON_NAMES:  # os.path.basename
        return None
    exe = argv[0] if "/" in argv[0] else "/usr/bin/" + argv[0]
    try:
        if realpath(exe) != realpath(executable or sys.executable):
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
            if encoding and not errors:  # as python3: an encoding alone means errors=strict
                errors = "strict"
            if encoding:
                try:  # python3 shows the codec's own name (latin-1 -> iso8859-1) and fails on unknown ones
                    encoding = codecs.lookup(encoding).name
                except LookupError:
                    return None
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


def set_environ(env):
    """os.environ (and the C environment) become exactly `env`.

    os.environ.clear() pops one key at a time through MutableMapping's Python methods, which copies
    pages of this forked interpreter in every run; the mapping's own dict is replaced directly instead.
    """
    data = getattr(os.environ, "_data", None)
    if not isinstance(data, dict):  # pragma: no cover - another interpreter
        os.environ.clear()
        os.environ.update(env)
        return
    for key in list(data):
        os.unsetenv(key)
    data.clear()
    for key, value in env.items():
        k, v = key.encode(FS_ENCODING, FS_ERRORS), value.encode(FS_ENCODING, FS_ERRORS)  # os.fsencode
        os.putenv(k, v)
        data[k] = v


COERCED_LC_CTYPE = ""  # what python3's C locale coercion (PEP 538) put into the runner's environment


def with_coerced_locale(env):
    """The environment python3 itself would show the program: started in the C locale (no LC_ALL, and
    LC_CTYPE or else LANG unset, C or POSIX), it coerces LC_CTYPE to a UTF-8 locale and exports it."""
    if not COERCED_LC_CTYPE or env.get("LC_ALL") or env.get("PYTHONCOERCECLOCALE") == "0":
        return env
    if (env.get("LC_CTYPE") or env.get("LANG") or "C") not in ("C", "POSIX"):
        return env
    return dict(env, LC_CTYPE=COERCED_LC_CTYPE)


def std_stream(fd, name, write, encoding, errors, buffered):
    """sys.stdin/stdout/stderr exactly as python3 makes them (Python/pylifecycle.c, create_stdio):
    `buffered` False (-u) leaves stdout and stderr unbuffered and all three write-through."""
    import io

    buffering = 0 if write and not buffered else -1
    buf = io.open(fd, "wb" if write else "rb", buffering, None, None, None, False)
    raw = buf.raw if buffering else buf
    raw.name = name
    line_buffering = buffered and (raw.isatty() or fd == 2)
    stream = io.TextIOWrapper(buf, encoding, errors, "\n", line_buffering, not buffered)
    stream.mode = "w" if write else "r"
    return stream


def stream_settings(plan):
    """(encoding, errors) of stdin/stdout and of stderr, and whether output is buffered."""
    enc = ORIGINAL_STREAMS
    encoding = plan["encoding"] or enc["stdout"][0]
    return encoding, plan["errors"] or enc["stdout"][1], enc["stderr"][1], not plan["unbuffered"]


PREBUILT_STREAMS = {}  # stream_settings -> ((stdin's, stdout's block size), the three streams), made once


def prebuild_streams(settings):
    """Make the three std streams for `settings` before any fork, over descriptors of the kinds a run
    has (stdin a file at offset 0, stdout and stderr pipes), so that a run whose descriptors match
    takes them as they are: the state they hold (seekable, position, buffer size) is exactly what
    create_stdio would find in the run."""
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    mem = os.memfd_create("stdin", os.MFD_CLOEXEC)
    r, w = os.pipe()
    try:
        os.dup2(mem, 0)
        os.dup2(w, 1)
        os.dup2(w, 2)
        encoding, errors, err_errors, buffered = settings
        streams = (std_stream(0, "<stdin>", False, encoding, errors, buffered),
                   std_stream(1, "<stdout>", True, encoding, errors, buffered),
                   std_stream(2, "<stderr>", True, encoding, err_errors, buffered))
        PREBUILT_STREAMS[settings] = ((os.fstat(0).st_blksize, os.fstat(1).st_blksize), streams)
    finally:
        for fd, old in enumerate(saved):
            os.dup2(old, fd)
            os.close(old)
        for fd in (mem, r, w):
            os.close(fd)


def run_streams(plan, fd_kinds=None):
    """The run's three std streams: the prebuilt ones when its descriptors are of the same kinds."""
    settings = stream_settings(plan)
    ready = PREBUILT_STREAMS.get(settings)
    if ready is not None and fd_kinds == ready[0]:
        return ready[1]
    encoding, errors, err_errors, buffered = settings
    return (std_stream(0, "<stdin>", False, encoding, errors, buffered),
            std_stream(1, "<stdout>", True, encoding, errors, buffered),
            std_stream(2, "<stderr>", True, encoding, err_errors, buffered))


def zygote_run(plan, env, fd_kinds=None):
    """Run a Python program in this (forked) interpreter as `python3 script args` would.

    `fd_kinds`: (stdin's, stdout's block size) when the std fds are of the kinds the prebuilt
    streams were made for (checked in C by cpagent_python_child), else None.
    """
    set_environ(with_coerced_locale(env))
    script = plan["script"]
    path = script if script.startswith("/") else "/work/" + script
    sys.argv = [script] + list(plan["args"])
    sys.path[0] = os.path.dirname(path)
    sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__ = run_streams(plan, fd_kinds)
    if "random" in sys.modules:  # reseeded by its own after-fork hook; a fresh seed either way
        sys.modules["random"].seed()
    # python3's dispositions: SIGPIPE and SIGXFSZ ignored, SIGINT raises KeyboardInterrupt
    set_signal(SIGPIPE_N, SIG_IGN)
    set_signal(SIGXFSZ_N, SIG_IGN)
    set_signal(SIGTERM_N, SIG_DFL)
    set_signal(SIGCHLD_N, SIG_DFL)
    set_signal(SIGINT_N, default_int_handler)
    # The program starts a few frames deep in this runner; lift the limit by exactly that much so
    # that deep recursion fails (or not) at the same depth as under a fresh python3.
    # The runner froze its heap and turned the cyclic collector off so that forks stay cheap; the
    # program gets it back on, as under python3 (frozen objects are never walked, only its own are).
    gc.enable()
    if FRESH_DEPTH and PROBED_DEPTH:
        here = PROBED_DEPTH - (frame_depth() - PROBED_AT)  # what the probe would reach from this frame
        sys.setrecursionlimit(sys.getrecursionlimit() + FRESH_DEPTH - here)
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
    main = tb = None  # the program's globals must be the program's alone when it is finalized
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
    """What Py_FinalizeEx does before the process ends, as far as a program can see it: join threads,
    run atexit, flush sys.stdout and sys.stderr (closed ones skipped), collect garbage, then what
    finalize_modules does to the program's objects: sys.std* back to the originals, __main__ out
    of sys.modules and a collection, so that what only the program held is finalized with its
    globals intact (a file or an output wrapper the program never flushed writes its buffer); if
    __main__ is still held from elsewhere its globals are cleared as _PyModule_ClearDict clears them
    and collected again. Last the original std streams are flushed, as when sys's dict is cleared
    (errors silent there). A failed flush of sys.stdout or sys.stderr makes the exit status 120, as
    in Py_RunMain. The caller must hold no reference to __main__."""
    try:
        if "threading" in sys.modules:
            sys.modules["threading"]._shutdown()
    except BaseException:
        pass
    try:
        atexit._run_exitfuncs()
    except SystemExit as exc:
        code = exit_code_of(exc)
    except BaseException:
        pass
    failed = flush_std_files()
    try:
        gc.collect()
        sys.stdin, sys.stdout, sys.stderr = sys.__stdin__, sys.__stdout__, sys.__stderr__
        main = sys.modules.get("__main__")
        ref = _weakref.ref(main) if isinstance(main, types.ModuleType) else None
        sys.modules["__main__"] = main = None
        gc.collect()
        main = ref() if ref is not None else None
        if main is not None:
            names = main.__dict__
            main = None
            for first in (True, False):
                for name in list(names):
                    if name != "__builtins__" and (name[:1] == "_" and name[:2] != "__") == first:
                        names[name] = None
            names = None
            gc.collect()
    except BaseException:
        pass
    for stream in (sys.__stdout__, sys.__stderr__):  # closed when sys's dict is cleared: errors silent then
        try:
            if stream is not None and not stream.closed:
                stream.flush()
        except BaseException:
            pass
    return 120 if failed else code


def flush_std_files():
    """Python/pylifecycle.c flush_std_files: True when a flush failed (a failure on stdout is
    reported as an unraisable exception, on stderr silently)."""
    failed = False
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is None:
            continue
        try:
            closed = bool(stream.closed)
        except BaseException:
            closed = False
        if closed:
            continue
        try:
            stream.flush()
        except BaseException as exc:  # noqa: BLE001
            failed = True
            if name == "stdout" and UNRAISABLE_ARGS is not None:
                try:  # PyErr_WriteUnraisable(stdout); this frame is not part of the traceback
                    tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
                    sys.unraisablehook(UNRAISABLE_ARGS((type(exc), exc, tb, None, stream)))
                except BaseException:
                    pass
    return failed


def unraisable_args_type():
    """The type PyErr_WriteUnraisable gives sys.unraisablehook (not exposed by name): caught once
    from the hook itself."""
    got = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda args: got.append(type(args))

    class Probe:
        def __del__(self):
            raise RuntimeError("probe")

    Probe()
    sys.unraisablehook = hook
    return got[0] if got else None


UNRAISABLE_ARGS = unraisable_args_type()


# -- one run ---------------------------------------------------------------------------------------
def raw_clone(flags):
    """fork() into new namespaces: the child is PID 1 of its own PID namespace."""
    pid = libc.syscall(SYS_CLONE, flags | signal.SIGCHLD, None, None, None, None)
    if pid < 0:
        err = ctypes.get_errno()
        raise OSError(err, "clone: " + os.strerror(err))
    return pid


MS_REMOUNT = 32
ALL_SIGNALS = tuple(sorted(set(range(1, signal.NSIG)) - {signal.SIGKILL, signal.SIGSTOP} - set(range(32, 35))))
DEFAULT_TMPFS_MB = 64
TMPFS_MOUNTS = ("/work", "/tmp", "/dev/shm")


def child_c(chan, procs_fds, bpf, out_w, err_w, error_w):
    """The program's process: join the run's cgroups, wait for the run, confine, exec. Never returns.

    It is made ahead of time (the standby) because joining a cgroup can wait for an RCU grace
    period; and the host sends it the run directly, so the run starts with a single wake-up.
    """
    try:
        for fd in procs_fds:
            os.write(fd, b"0")
            os.close(fd)
        try:
            fds = recv_fds(chan)
            req, blobs = recv_frame(chan)
        except EOFError:
            os._exit(0)
        chan.close()
        if req["tmpfs_mb"] != DEFAULT_TMPFS_MB:
            for target in TMPFS_MOUNTS:
                opts = ("size=%dm" % max(1, req["tmpfs_mb"])).encode()
                check(libc.mount(b"tmpfs", target.encode(), b"tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, opts),
                      "resize " + target)
        write_files(req, blobs, fds)
        set_rlimits(req)
        stdin_fd = fds[req["stdin_fd"]] if req["stdin_fd"] >= 0 else os.open("/dev/null", os.O_RDONLY)
        if req["stdout_fd"] >= 0:  # interactive: straight into the other program's stdin
            out_w = fds[req["stdout_fd"]]
        os.dup2(stdin_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(error_w, 3)
        error_w = 3
        os.set_inheritable(3, False)
        os.closerange(4, 1 << 20)  # close_range(2): no inherited descriptor reaches the program
        os.chdir("/work")
        set_signal(signal.SIGPIPE, SIG_DFL)
        set_signal(signal.SIGXFSZ, SIG_DFL)
        set_signal(signal.SIGCHLD, SIG_DFL)
        drop_capabilities()
        install_seccomp(bpf)
        start_program(req["argv"], req["env"], req.get("zygote"))
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(error_w, ("E" + "%s: %s" % (type(exc).__name__, exc)).encode()[:4000])
        except BaseException:
            pass
    os._exit(127)


def start_program(argv, env_pairs, zygote, fd_kinds=None):
    """The confined C starts the program: in this interpreter (the zygote) or spawned. Never returns
    normally; errors propagate to the caller, which reports them on fd 3."""
    env = dict(env_pairs) or {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    plan = zygote_plan({"argv": argv, "env": env_pairs}) if zygote else None
    if os.getsid(0) != os.getpid():
        os.setsid()
    if plan is not None:
        os.write(3, b"Z")
        os.close(3)
        zygote_run(plan, env, fd_kinds)
    # posix_spawn (vfork + exec) rather than exec-ing this process: the program starts with a
    # fresh small address space instead of tearing down this interpreter's, which costs more
    # than the program itself for short runs. It inherits the cgroups, rlimits, dropped
    # capabilities, no_new_privs and the seccomp filter; C only waits for it and reports.
    set_signal(SIGCHLD_N, SIG_DFL)  # C waits for the program (the runner ignores SIGCHLD)
    os.write(3, b"R")  # the program starts now: from here its fate is its own
    pid = os.posix_spawnp(argv[0], argv, env, setsid=True, setsigmask=(), setsigdef=ALL_SIGNALS)
    _, status, rusage = os.wait4(pid, 0)
    os.write(3, ("X" + json.dumps([os.waitstatus_to_exitcode(status), rusage.ru_utime,
                                   rusage.ru_stime])).encode())
    os._exit(0)


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


HELPER = "/.cpagent/exec-helper"
WATCHER = None  # HELPER when B becomes the C watcher (set in main when the helper is there)

# The watch request and the reply: plain structs, mirrored by helper.c and sandbox/native/wire.py.
WATCH_HEAD = struct.Struct("=ddddQQQiiII")
REPLY = struct.Struct("=IIiIddddIIII")
FILE_HEAD = struct.Struct("=III")
REPLY_MAGIC = 0x43505231
KILLED_CODES = {"": 0, "wall": 1, "cpu": 2, "output": 3}


def recv_watch_request(sock):
    """The host's watch request (see wire.py): a dict of its fields."""
    (n,) = struct.unpack("=I", recv_exact(sock, 4))
    body = recv_exact(sock, n)
    fields = WATCH_HEAD.unpack_from(body)
    keys = ("t0", "wall_s", "cpu_s", "cpu_base", "output_limit", "stderr_limit", "fsize", "cpu_fd", "relay_fd",
            "cgroup_v2", "ncollect")
    req = dict(zip(keys, fields))
    pos, names = WATCH_HEAD.size, []
    for _ in range(req["ncollect"]):
        (k,) = struct.unpack_from("=I", body, pos)
        names.append(os.fsdecode(body[pos + 4:pos + 4 + k]))
        pos += 4 + k
    req["collect"] = names
    return req


def init_b(chan, c_chan, procs_fds, bpf):
    """PID 1 of a run: private file systems, the standby C, then watching the run and reporting it.

    With the C helper, B execs it as the watcher right after forking C (still PID 1, still C's
    parent), so that no Python runs while the program does. Without it, B watches in Python: it reads
    stdout and stderr (enforcing the output limit), polls the cgroup's CPU time and the wall clock,
    kills every process of the run on a limit (kill(-1) from a PID namespace's init reaches exactly
    the run), reaps them all, and reports straight to the host.
    """
    set_signal(signal.SIGCHLD, SIG_DFL)  # the runner ignores it; B waits for its children
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    setup_error = ""
    try:
        check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
        for target in TMPFS_MOUNTS:
            mount_tmpfs(target, DEFAULT_TMPFS_MB, "0755" if target == "/work" else "1777")
        check(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")
    except OSError as exc:
        setup_error = str(exc)
    out_r, out_w = os.pipe2(os.O_CLOEXEC)
    err_r, err_w = os.pipe2(os.O_CLOEXEC)
    error_r, error_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:
        for fd in (out_r, err_r, error_r):
            os.close(fd)
        chan.close()
        if setup_error:
            os._exit(0)
        child_c(c_chan, procs_fds, bpf, out_w, err_w, error_w)
    c_chan.close()
    for fd in [out_w, err_w, error_w] + list(procs_fds):
        os.close(fd)
    if WATCHER is not None:
        keep = [chan.fileno(), out_r, err_r, error_r]
        for fd in keep:
            os.set_inheritable(fd, True)
        try:
            os.execv(WATCHER, [WATCHER, "watch"] + [str(fd) for fd in keep] + [str(pid), setup_error])
        except OSError:
            pass  # watch in Python instead
        for fd in keep:
            os.set_inheritable(fd, False)
    try:
        fds = recv_fds(chan)
        req = recv_watch_request(chan)
    except (EOFError, OSError, struct.error):
        os._exit(0)  # the slot is closing, or the host gave up on this run: C dies with us
    try:
        data = watch(req, fds, pid, out_r, err_r, error_r, setup_error)
        chan.sendall(data)
    except BaseException:  # noqa: BLE001 - no reply: the host reports IE
        pass
    os._exit(0)


def watch(req, fds, pid, out_r, err_r, error_r, setup_error=""):
    got = time.monotonic()
    start = min(float(req["t0"]), got)  # the host's clock: the run began when it was sent
    cpu_fd = fds[req["cpu_fd"]] if 0 <= req["cpu_fd"] < len(fds) else -1
    relay_fd = fds[req["relay_fd"]] if 0 <= req["relay_fd"] < len(fds) else -1
    if relay_fd >= 0:
        os.set_blocking(relay_fd, False)
    out_limit, err_limit = int(req["output_limit"]), int(req["stderr_limit"])
    wall_limit, cpu_limit = float(req["wall_s"]), float(req["cpu_s"])
    v2 = bool(req["cgroup_v2"])
    cpu_base = float(req["cpu_base"])
    streams = {out_r: bytearray(), err_r: bytearray()}
    limits = {out_r: out_limit, err_r: err_limit}
    truncated = {out_r: False, err_r: False}
    pending = bytearray()  # interactive relay: bytes the other program has not taken yet
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    for fd in streams:
        poller.register(fd, select.POLLIN)
    poller.register(pidfd, select.POLLIN)
    killed = ""
    exited = False
    while not exited:
        now = time.monotonic()
        if not killed:
            if now - start >= wall_limit:
                killed = "wall"
            elif cpu_fd >= 0 and read_cpu(cpu_fd, v2) - cpu_base > cpu_limit:
                killed = "cpu"
            if killed:
                kill_run()
        timeout = 50 if killed else int(1000 * min(wall_limit - (now - start),
                                                   max(0.005, min(0.05, cpu_limit / 20)))) + 1
        if relay_fd >= 0 and pending:
            poller.register(relay_fd, select.POLLOUT)
        for fd, _ in poller.poll(timeout):
            if fd == pidfd:
                exited = True
            elif fd == relay_fd:
                relay(relay_fd, pending, poller)
            elif read_stream(fd, streams, limits, truncated, poller, relay_fd >= 0 and fd == out_r, pending) \
                    and fd == out_r and not killed:
                killed = "output"
                kill_run()
    ended = time.monotonic()
    wall = ended - start
    _, status, rusage = os.wait4(pid, 0)
    for fd in (out_r, err_r):  # what is already in the pipes; a daemon still writing is killed next
        os.set_blocking(fd, False)
        try:
            while read_stream(fd, streams, limits, truncated, None, relay_fd >= 0 and fd == out_r, pending) is not None:
                pass
        except BlockingIOError:
            pass
    kill_run()  # orphans and daemons of the run
    if relay_fd >= 0:
        os.set_blocking(relay_fd, True)
        try:
            while pending:
                del pending[:os.write(relay_fd, pending)]
        except OSError:
            pass
        os.close(relay_fd)
    reap_all()  # every process of the run: its cgroup is empty when the host hears back
    info = b""
    while True:
        chunk = os.read(error_r, 4096)
        if not chunk:
            break
        info += chunk
    # C's notes: "Z" (the zygote runs the program), "R" (the program is about to start), then
    # "X[...]" (how a spawned program ended) or "E..." (setup failed: the sandbox's fault).
    zygote = info.startswith(b"Z")
    started = zygote or info.startswith(b"R")
    rest = info[1:] if started else info
    exit_code, user_s, sys_s = os.waitstatus_to_exitcode(status), rusage.ru_utime, rusage.ru_stime
    error = setup_error
    if error:
        pass
    elif rest.startswith(b"E"):
        error = rest[1:].decode("utf-8", "replace")
    elif rest.startswith(b"X"):  # C spawned the program and reports how it ended
        exit_code, user_s, sys_s = json.loads(rest[1:])
    elif not started:  # never a verdict for a program that did not run: IE, and the host retries
        error = "the run's process ended before the program started (status %d%s)" % (
            exit_code, ", stopped by the %s limit" % killed if killed else "")
    cpu_s = read_cpu(cpu_fd, v2) - cpu_base if cpu_fd >= 0 else -1.0
    files = collect_files(req["collect"], int(req["fsize"]))
    flags = (1 if truncated[out_r] else 0) | (2 if truncated[err_r] else 0) | (4 if started else 0) \
        | (8 if zygote else 0) | 16
    out, err, error_b = bytes(streams[out_r]), bytes(streams[err_r]), error.encode()[:1199]
    parts = [REPLY.pack(REPLY_MAGIC, flags, exit_code, KILLED_CODES[killed], wall, user_s, sys_s,
                        max(cpu_s, 0.0) if cpu_fd >= 0 else -1.0, len(out), len(err), len(error_b), len(files)),
             out, err, error_b]
    for name, data, why in files:
        name_b, why_b, data = os.fsencode(name), why.encode(), data if data is not None else b""
        parts += [FILE_HEAD.pack(len(name_b), len(why_b), len(data)), name_b, why_b, data]
    return b"".join(parts)


WALL = 0x40000000  # __WALL: threads and processes alike


def reap_all():
    """Wait for every process of the run (orphans included: B is their init)."""
    while True:
        try:
            os.waitpid(-1, WALL)
        except ChildProcessError:
            return
        except InterruptedError:
            continue


def kill_run():
    """SIGKILL every process of the run: kill(-1) from a PID namespace's init reaches exactly them."""
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass


def read_stream(fd, streams, limits, truncated, poller, relaying, pending):
    """Read one chunk; True when the stream went over its limit, None at end of stream."""
    chunk = os.read(fd, 1 << 16)
    if not chunk:
        if poller is not None:
            poller.unregister(fd)
        return None
    if relaying:
        pending += chunk
    buf = streams[fd]
    room = limits[fd] - len(buf)
    if len(chunk) > room:
        buf += chunk[:max(room, 0)]
        truncated[fd] = True
        return True
    buf += chunk
    return False


def relay(fd, pending, poller):
    try:
        del pending[:os.write(fd, pending)]
    except BlockingIOError:
        pass
    except OSError:
        pending.clear()
    if not pending:
        poller.unregister(fd)


SOCK_FD = -1
ZYGOTE_LIB = "/.cpagent/zygote.so"
ZLIB = None  # helper.c built as the zygote library, loaded in main when the host sent it (with the C watcher)
ARGS_BUF = None  # where cpagent_python_child writes the program's argv and environment
ARGS_SIZE = 1 << 17
FS_ENCODING, FS_ERRORS = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()
SERVER_LINK = -1  # this runner's link to the standby server (each Python run's B is its clone)


def python_c():
    """C of a Python run, in the copy of this runner cpagent_serve made: B's pipes, the cgroups, the
    host's request and the whole confinement in C (cpagent_python_child), then the program in this
    interpreter. Never returns."""
    try:
        n = ZLIB.cpagent_python_child(ARGS_BUF, ARGS_SIZE)
        # os.fsdecode of each item, at once (a NUL byte is never part of a UTF-8 sequence)
        parts = ctypes.string_at(ARGS_BUF, n).decode(FS_ENCODING, FS_ERRORS).split("\0")
        nargs = int(parts[3])
        env = [item.split("=", 1) for item in parts[4 + nargs:-1]]
        start_program(parts[4:4 + nargs], env, True, (int(parts[1]), int(parts[2])) if parts[0] == "1" else None)
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(3, ("E" + "%s: %s" % (type(exc).__name__, exc)).encode()[:4000])
        except BaseException:
            pass
    os._exit(127)


def make_standby(procs_fds, bpf):
    """Clone the next run's B (and through it C); returns B's pid and the host's two sockets."""
    b_host, b_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    c_host, c_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = raw_clone(CLONE_NEWPID | CLONE_NEWNS)
    if pid == 0:
        try:
            b_host.close()
            c_host.close()
            os.close(SOCK_FD)
            init_b(b_end, c_end, procs_fds, bpf)
        finally:
            os._exit(0)
    b_end.close()
    c_end.close()
    for fd in procs_fds:
        os.close(fd)
    return pid, c_host, b_host


def start_server(server_fd, bpf):
    """Start the C standby server (helper.c) on `server_fd`: the host asks it for compiled runs, and
    this runner (on the link returned) for the B of each Python run."""
    bpf_fd = os.memfd_create("seccomp", 0)
    os.write(bpf_fd, bpf)
    os.lseek(bpf_fd, 0, os.SEEK_SET)
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(SOCK_FD)
            for fd in (server_fd, bpf_fd, theirs.fileno()):
                os.set_inheritable(fd, True)
            os.execv(HELPER, [HELPER, "server", str(server_fd), str(bpf_fd), str(theirs.fileno())])
        finally:
            os._exit(127)
    os.close(bpf_fd)
    os.close(server_fd)
    theirs.close()
    return mine.detach()


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


ADDR_NO_RANDOMIZE = 0x0040000  # personality(2): exec'd images and their stacks, heaps and mmaps at fixed places


def without_aslr():
    """Run this slot, and everything it starts, with address-space layout randomization off.

    Programs with undefined behaviour (reading uninitialized memory, or past the input they were
    given) otherwise print different things on the same input from one run to the next, and an
    evaluation's verdicts, clusters and selections then change between two runs of the same command
    (seen on real Codeforces submissions). With the layout fixed, a run is a function of the program
    and its input, as PYTHONHASHSEED=0 makes it for Python. The flag is inherited across fork and exec;
    the runner re-execs itself once so that its own forks (the zygote's programs) share it. Nothing the
    isolation relies on comes from the layout. Where personality(2) refuses, the slot keeps ASLR."""
    libc.personality.restype = ctypes.c_int
    libc.personality.argtypes = [ctypes.c_ulong]
    current = libc.personality(0xFFFFFFFF)  # query
    if current == -1 or current & ADDR_NO_RANDOMIZE:
        return
    if libc.personality(current | ADDR_NO_RANDOMIZE) == -1:
        return
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])


def default_dispositions():
    """Signals the host left ignored come back to SIG_DFL before any run forks from this process.

    Ignored dispositions survive exec: under `nohup` SIGHUP reaches this runner ignored. A program run
    through the helper starts with every handler at SIG_DFL, so a zygote run must too.
    """
    for sig in signal.valid_signals():
        if sig in (signal.SIGKILL, signal.SIGSTOP):
            continue
        try:
            if signal.getsignal(sig) == signal.SIG_IGN:
                signal.signal(sig, signal.SIG_DFL)
        except (OSError, ValueError):
            pass


def main():
    global SOCK_FD, WATCHER, BOUNDING_SET_EMPTY, ZLIB, ARGS_BUF, SERVER_LINK
    without_aslr()
    default_dispositions()
    SOCK_FD = int(sys.argv[1])
    os.set_inheritable(SOCK_FD, False)  # nothing this runner starts may inherit the host's socket
    server_fd = int(sys.argv[2]) if len(sys.argv) > 2 else -1
    sock = socket.socket(fileno=SOCK_FD)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    init, init_blobs = recv_frame(sock)
    bpf = init_blobs[0] if init_blobs else b""
    helper = bool(init.get("helper")) and os.access(HELPER, os.X_OK)
    server = False
    server_link = -1  # to the standby server, which makes each Python run's B
    if helper:
        WATCHER = HELPER
        if server_fd >= 0:
            server_link = start_server(server_fd, bpf)
            server = True
    elif server_fd >= 0:
        os.close(server_fd)
    if server and init.get("zygote_lib") and init.get("zygote", True) and os.access(ZYGOTE_LIB, os.R_OK):
        ZLIB = ctypes.PyDLL(ZYGOTE_LIB)  # calls hold the interpreter's lock, as os.fork does
        ZLIB.cpagent_serve.argtypes = [ctypes.c_int, ctypes.c_int]
        ZLIB.cpagent_python_child.argtypes = [ctypes.c_void_p, ctypes.c_int]
        ZLIB.cpagent_set_filter.argtypes = [ctypes.c_char_p, ctypes.c_int]
        if ZLIB.cpagent_init() < 0 or ZLIB.cpagent_set_filter(bpf, len(bpf)) < 0:
            ZLIB = None  # the runner's Python makes the standbys (two forks per run)
        else:
            ARGS_BUF = ctypes.create_string_buffer(ARGS_SIZE)
            SERVER_LINK = server_link
    if init.get("zygote", True):
        zygote_preload()
        calibrate_depth()
        for name in PYTHON_NAMES:  # what zygote_plan will ask, answered before the forks
            realpath("/usr/bin/" + name)
        realpath(sys.executable)
    # Nothing this runner or its forks exec may ever gain a capability (the C server already runs,
    # the C watcher needs none): empty the bounding set once here instead of in every run.
    drop_bounding_set()
    BOUNDING_SET_EMPTY = True
    prepare_confinement(bpf)
    if ZLIB is not None:
        # The streams the judge's own Python runs use (PYTHONIOENCODING=utf-8), and python3's defaults.
        for plan in ({"encoding": "utf-8", "errors": "strict", "unbuffered": False},
                     {"encoding": None, "errors": None, "unbuffered": False}):
            prebuild_streams(stream_settings(plan))
    import resource  # noqa: F401  (imported once here, not in every run)

    # Every run's B is a child of this process (the C server clones its own with CLONE_PARENT):
    # the kernel reaps them, nothing here has to wait.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    # Every run forks from this process: keep the collector from walking (and so copying) the
    # whole inherited heap in each child.
    gc.collect()
    gc.freeze()
    gc.disable()

    send_frame(sock, {"ready": True, "pid": os.getpid(), "server": server, "watcher": WATCHER is not None,
                      "zygote_lib": ZLIB is not None})
    while True:
        try:
            if ZLIB is not None:  # Python standbys are made in C; other requests come back here
                op = ZLIB.cpagent_serve(SOCK_FD, SERVER_LINK)
                if op == 0:
                    python_c()  # this process is a run's C
                if op < 0:
                    return
                fds = []
            else:
                fds = recv_fds(sock)
            req, _ = recv_frame(sock)
        except EOFError:
            return
        reap()
        if req.get("op") == "exit":
            return
        if req.get("op") == "ping":
            send_frame(sock, {"pong": True})
            continue
        if ZLIB is not None:  # standbys are asked for with 'P' here (their cgroups travel with it)
            send_frame(sock, {"error": "unexpected request %r" % req.get("op")})
            continue
        try:
            pid, c_host, b_host = make_standby(fds, bpf)
        except BaseException as exc:  # noqa: BLE001 - reported as IE, never as the program's
            socket.send_fds(sock, [b"S"], [])
            send_frame(sock, {"error": "%s: %s" % (type(exc).__name__, exc)})
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
            continue
        socket.send_fds(sock, [b"S"], [c_host.fileno(), b_host.fileno()])
        send_frame(sock, {"standby": pid, "kind": "python"})
        c_host.close()
        b_host.close()


if __name__ == "__main__":
    main()
