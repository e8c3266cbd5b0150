"""A tiny threaded HTTP server for the demo site, tests and benchmarks (stdlib only).

Serves the files under ROOT on 127.0.0.1, prints the port on stdout (one line: the number)
as soon as it listens, and logs every request as one JSON line (``t``: received, ``done``: answered,
method, path, the headers of interest, status) to ``--log`` (default: stderr). In text files (``.html``,
``.xml``, ``.txt``, feeds) ``{{BASE}}`` becomes ``http://<Host header>`` and ``{{PORT}}``
the port, so the bundled site's absolute URLs point back at this server.

Faults are injected from a JSON file (``--faults``), a list of rules::

    [{"path": "^/robots\\.txt$", "status": 503},
     {"path": "-101005\\.html$", "status": 503, "headers": {"Retry-After": "2"}, "times": 1},
     {"path": "^/kinh-te", "delay": 0.5}]

A rule applies to requests whose path (with query) matches the regex ``path``; the first
matching rule that still has ``times`` left (default: unlimited) wins. It can sleep ``delay``
seconds, then answer ``status`` with ``headers`` and ``body`` instead of the file (no
``status``: the file is served normally, after the delay).

A URL with a query (``/story.php?id=12``) is served from the file named with it
(``story.php?id=12``) when there is one, as HTML; ``.xml.gz`` files (gzip sitemaps) are
templated inside their compression. ``--host`` binds another loopback address (127.0.0.2...).

Files are served with ``ETag`` (a hash of the body served) and ``Last-Modified`` (the file's
mtime) and conditional GETs are answered ``304 Not Modified``: ``If-None-Match`` when given
(it takes precedence), else ``If-Modified-Since``.

    python -m crawler.demo.server ROOT [--host 127.0.0.1] [--port 0] [--log FILE] [--faults FILE]
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8", ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".gz": "application/gzip",
}
TEMPLATED = {".html", ".htm", ".xml", ".rss", ".atom", ".txt"}
LOGGED_HEADERS = ("Host", "User-Agent", "If-Modified-Since", "If-None-Match", "Accept-Encoding")


@dataclass
class Fault:
    """One injected behaviour; see the module docstring."""

    path: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0
    times: int | None = None

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.path)


class FaultPlan:
    """The rules, consumed thread-safely (``times`` counts down)."""

    def __init__(self, faults: list[Fault] | None = None) -> None:
        self.faults = faults or []
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path | None) -> "FaultPlan":
        if path is None:
            return cls()
        return cls([Fault(**rule) for rule in json.loads(path.read_text(encoding="utf-8"))])

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.pattern.search(path) and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None


class RequestLog:
    """Request lines as JSON, one per line, flushed at once (tests read the file live)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def write(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=False)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()


class DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the stdlib's 5 drops connections of a burst (clients retry after 1 s)

    def __init__(self, root: Path, port: int, request_log: RequestLog, faults: FaultPlan,
                 host: str = "127.0.0.1") -> None:
        super().__init__((host, port), DemoHandler)
        self.root = root.resolve()
        self.request_log = request_log
        self.faults = faults


class DemoHandler(BaseHTTPRequestHandler):
    server: DemoServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def _handle(self, send_body: bool) -> None:
        received = time.time()
        fault = self.server.faults.take(self.path)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status is not None:
            status, headers, body = fault.status, dict(fault.headers), fault.body.encode("utf-8")
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            status, headers, body = self._file_response()
            status, body = self._conditional(status, headers, body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        self._log(received, status)

    def _file_response(self) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(self.path)
        path = self._resolve(f"{parts.path}?{parts.query}") if parts.query else None
        with_query = path is not None
        path = path or self._resolve(parts.path)
        if path is None:
            return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<html><body><h1>404</h1></body></html>"
        body = path.read_bytes()
        if path.suffix in TEMPLATED or with_query:
            body = self._templated(body)
        elif path.name.endswith(".xml.gz"):
            body = gzip.compress(self._templated(gzip.decompress(body)), mtime=0)
        content_type = "text/html; charset=utf-8" if with_query else CONTENT_TYPES.get(path.suffix, "application/octet-stream")
        return 200, {"Content-Type": content_type,
                     "ETag": f'"{hashlib.sha1(body).hexdigest()[:16]}"',
                     "Last-Modified": formatdate(int(path.stat().st_mtime), usegmt=True)}, body

    def _templated(self, body: bytes) -> bytes:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}"
        return (body.replace(b"{{BASE}}", f"http://{host}".encode())
                .replace(b"{{PORT}}", str(self.server.server_port).encode()))

    def _conditional(self, status: int, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        """(304, no body) when the client's copy is current, else ``status`` and ``body`` unchanged."""
        if status != 200 or "ETag" not in headers:
            return status, body
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            current = if_none_match.strip() == "*" or headers["ETag"] in (t.strip() for t in if_none_match.split(","))
            return (304, b"") if current else (status, body)
        try:
            since = parsedate_to_datetime(self.headers.get("If-Modified-Since", ""))
            modified = parsedate_to_datetime(headers["Last-Modified"])
        except (TypeError, ValueError):
            return status, body
        return (304, b"") if modified <= since else (status, body)

    def _resolve(self, url_path: str) -> Path | None:
        """The file for ``url_path`` inside the root (a folder serves its index.html), or None."""
        path = (self.server.root / unquote(url_path).lstrip("/")).resolve()
        if not path.is_relative_to(self.server.root):
            return None
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def _log(self, received: float, status: int) -> None:
        record = {"t": received, "done": time.time(), "method": self.command, "path": self.path, "status": status}
        record.update({name.lower(): self.headers[name] for name in LOGGED_HEADERS if name in self.headers})
        self.server.request_log.write(record)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        """Silence the default per-request stderr line; requests go to the JSON log."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address to listen on")
    parser.add_argument("--port", type=int, default=0, help="0 (default): an ephemeral port")
    parser.add_argument("--log", type=Path, help="request log file (JSON lines); default: stderr")
    parser.add_argument("--faults", type=Path, help="JSON list of fault rules")
    args = parser.parse_args(argv)
    stream = open(args.log, "a", encoding="utf-8") if args.log else sys.stderr  # noqa: SIM115
    server = DemoServer(args.root, args.port, RequestLog(stream), FaultPlan.load(args.faults), args.host)
    print(server.server_port, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
