"""`cpagent listen`: receive problems from the Competitive Companion browser extension and save them.

The extension POSTs one JSON document per problem to http://127.0.0.1:PORT/ (add the port under its
"Custom ports" setting). A contest sends a batch (`batch.size` problems); `--once` stops after the
first complete batch. Only 127.0.0.1 is listened on: nothing outside this machine can send problems.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from agent import ui
from agent.errors import CpagentError
from agent.problems.companion import problem_from_companion
from agent.problems.directory import write_problem_dir
from agent.problems.model import Problem

DEFAULT_PORT = 10043
MAX_BODY = 64 * 1024 * 1024

EPILOG = """examples:
  cpagent listen                       # saves each problem as ./ID/ until Ctrl+C
  cpagent listen -o problems --once    # one problem (or one contest batch), then stop
  cpagent listen --port 10045 --timeout 120 --json"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "listen",
        help="save problems sent by the Competitive Companion extension",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT})"
    )
    p.add_argument("-o", "--output", metavar="DIR", default=".", help="folder to save problem directories in")
    p.add_argument("--once", action="store_true", help="stop after one problem (or one contest batch)")
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="S",
        help="stop after S seconds without a complete batch",
    )
    p.add_argument("--force", action="store_true", help="replace a problem directory that exists")
    p.add_argument("--json", action="store_true", help="print each saved problem as JSON on stdout")
    p.set_defaults(handler=run)


@dataclass
class _State:
    output: Path
    force: bool
    once: bool
    as_json: bool
    saved: list[Problem] = field(default_factory=list)
    batches: dict[str, int] = field(default_factory=dict)  # batch id → problems received
    done: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _receive(state: _State, body: bytes) -> tuple[int, str]:
    """One POST body → (HTTP status, message). Never raises: a bad problem must not stop the listener."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        ui.failure("received a request that is not JSON; ignored")
        return 400, "not JSON"
    try:
        problem = problem_from_companion(data, "Competitive Companion request")
    except CpagentError as exc:
        ui.failure(exc.message)
        return 400, exc.message
    dest = state.output / problem.id
    with state.lock:
        if dest.exists() and not state.force:
            ui.warning(f"{dest} already exists; not replaced (pass --force to replace)")
        else:
            try:
                write_problem_dir(problem, dest, overwrite=state.force)
            except (CpagentError, OSError) as exc:
                ui.failure(f"{dest}: could not be written ({exc})")
                return 500, "write failed"
            ui.success(f"{problem.id} ({problem.name}): {len(problem.public_tests)} sample test(s) → {dest}")
            if state.as_json:
                ui.print_json(problem.to_json())
        state.saved.append(problem)
        batch = data.get("batch") if isinstance(data.get("batch"), dict) else {}
        key, size = str(batch.get("id", id(problem))), int(batch.get("size", 1) or 1)
        state.batches[key] = state.batches.get(key, 0) + 1
        if state.once and state.batches[key] >= size:
            state.done.set()
    return 200, "saved"


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY:
                self._answer(400, "missing or oversized body")
                return
            status, message = _receive(state, self.rfile.read(length))
            self._answer(status, message)

        def do_GET(self) -> None:  # noqa: N802
            self._answer(200, "cpagent listen: POST Competitive Companion problems here")

        def _answer(self, status: int, message: str) -> None:
            payload = (message + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:  # quiet: our own lines say what happened
            return

    return Handler


def run(args: argparse.Namespace) -> int:
    state = _State(Path(args.output), args.force, args.once, args.json)
    try:
        server = HTTPServer(("127.0.0.1", args.port), _handler(state))
    except OSError as exc:
        raise CpagentError(
            f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror})",
            hint="another program (another `cpagent listen`?) uses the port; pick one with --port",
        ) from None
    server.timeout = 0.2
    ui.info(
        f"listening on http://127.0.0.1:{args.port}/ for Competitive Companion; saving under {state.output}"
    )
    deadline = time.monotonic() + args.timeout if args.timeout else None
    try:
        with server:
            while not state.done.is_set():
                if deadline is not None and time.monotonic() > deadline:
                    break
                server.handle_request()
    except KeyboardInterrupt:
        pass
    if not state.saved:
        if deadline is not None:
            raise CpagentError(
                f"no problem received within {args.timeout:g} s",
                hint="click the Competitive Companion button on a problem page; check that "
                f"port {args.port} is in the extension's custom ports",
            )
        return 1
    ui.info(f"received {len(state.saved)} problem(s)")
    return 0
