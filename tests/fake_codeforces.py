"""A small Codeforces stand-in on 127.0.0.1 for the client, fetch and CLI tests.

Each path answers with a script of behaviours, one per request (the last one repeats): a body, an HTTP
status (403 challenge pages, 429, 503), an API `Call limit exceeded`, a slow answer (for timeouts), or a
dropped connection. Every request is recorded with its time and User-Agent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0  # sleep before answering (a slow server)
    drop: bool = False  # close the connection without an answer


def page(text: str, status: int = 200, **kw) -> Reply:
    return Reply(status=status, body=text.encode("utf-8"), **kw)


def api_ok(result) -> Reply:
    return Reply(
        body=json.dumps({"status": "OK", "result": result}).encode(), content_type="application/json"
    )


def api_body(text: str, status: int = 200) -> Reply:
    return Reply(status=status, body=text.encode("utf-8"), content_type="application/json")


CALL_LIMIT = Reply(
    status=503, body=b'{"status":"FAILED","comment":"Call limit exceeded"}', content_type="application/json"
)
DROP = Reply(drop=True)


@dataclass
class Seen:
    path: str
    query: str
    at: float
    user_agent: str


@dataclass
class FakeCodeforces:
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    base_url: str = ""

    def route(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def _next(self, path: str) -> Reply:
        script = self.routes.get(path)
        if not script:
            return page("<html><body>no such page</body></html>", 404)
        return script.pop(0) if len(script) > 1 else script[0]


def start(fake: FakeCodeforces) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            fake.seen.append(
                Seen(parts.path, parts.query, time.monotonic(), self.headers.get("User-Agent", ""))
            )
            reply = fake._next(parts.path)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            if reply.drop:
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for k, v in reply.headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): nothing to do

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server, thread
