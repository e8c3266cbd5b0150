"""A raw-socket HTTP/1.1 server for fault tests: answers that http.server cannot produce.

    python tests/faults/fault_server.py [--host 127.0.0.1] [--port 0] --log FILE [--config FILE]

Prints its port (one line) as soon as it listens. Every request is logged as one JSON line:
``t`` (received), ``done`` (answer finished or connection dropped), ``port``, ``method``,
``path``, ``headers`` (all, lower-case names), ``status`` and ``sent`` (body bytes written),
``received`` (request head read) and ``answered`` (answer started: a request is surely in flight
between the two).
One request per connection (``Connection: close``).

The first path segment picks the behaviour (the rest of the path is free, so that URLs can
end like articles, ``.../a-100001.html``):

=====================  =========================================================================
``/robots.txt``        ``config["robots"]`` or allow-all
``/feed/NAME.xml``     RSS listing ``config["feeds"][NAME]`` (relative paths or absolute URLs)
``/sitemap/NAME.xml``  ``config["files"][NAME]`` served as application/xml
``/ok/...``            a good Vietnamese article (canonical-free, so each URL is its own row)
``/hang/...``          reads the request, never answers (until the client gives up)
``/drip/...``          Content-Length 100000, then one byte every 0.5 s
``/reset/...``         headers and 1000 body bytes of 100000, then a TCP reset
``/close/...``         headers and half the article of the announced length, then a clean close
``/short/...``         the whole article with a Content-Length 1000 bytes larger, then close
``/badchunk/...``      chunked: a valid chunk, then a chunk size that is not hex
``/truncchunk/...``    chunked: a valid chunk, then close without the final 0-chunk
``/status/CODE/...``   answers CODE; a segment ``ra-N`` adds ``Retry-After: N``
``/redirect/N/...``    a chain: 302 to ``/redirect/N-1/...``; N = 0 is the article
``/loop/a|b/...``      302 from a to b and back, forever
``/to/KEY/...``        302 to ``config["redirects"][KEY]``; ``config["cookies"][KEY]`` adds Set-Cookie
``/bomb/ENC/...``      Content-Encoding ENC (gzip, deflate, br, zstd) of ``config["bomb_mb"]`` MB of
                       zeros (default 1024), compressed once per encoding and cached
``/big/cl|nocl/...``   100 MB of HTML-ish text, with or without Content-Length
``/binary/KIND/...``   pdf, png or random bytes, served as text/html
``/content/NAME/...``  ``config["content"][NAME]``: {"file": PATH, "headers": {...}}
``/slow/MS/...``       the article after MS milliseconds
=====================  =========================================================================
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import zlib
from pathlib import Path

ARTICLE_FILE = (Path(__file__).resolve().parents[2] / "crawler" / "demo" / "site" / "thoi-su"
                / "ha-noi-mo-rong-tuyen-xe-buyt-dien-101001.html")
_CANONICAL = re.compile(rb'<link rel="canonical"[^>]*>')


def article() -> bytes:
    return _CANONICAL.sub(b"", ARTICLE_FILE.read_bytes()).replace(b"{{BASE}}", b"")


def unique_article(template: bytes, path: str) -> bytes:
    """The article with a sentence naming ``path``: every URL its own text (no duplicate drops)."""
    sentence = (f'<p>Bản tin {path} được cập nhật liên tục trong ngày để bạn đọc theo dõi '
                f'những diễn biến mới nhất của sự kiện này.</p>').encode()
    return template.replace(b'<div class="fck_detail">', b'<div class="fck_detail">' + sentence, 1)


class Server:
    def __init__(self, host: str, port: int, log: Path, config: dict) -> None:
        self.config = config
        self.template = article()
        self._local = threading.local()
        self.bombs: dict[str, bytes] = {}
        self.bomb_lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.log = open(log, "a", encoding="utf-8")  # noqa: SIM115
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]

    @property
    def article(self) -> bytes:
        """This thread's request's article."""
        return self._local.article

    def serve(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    # ------------------------------------------------------------------ plumbing

    def handle(self, conn: socket.socket) -> None:
        record = {"t": time.time(), "port": self.port, "status": None, "sent": 0}
        try:
            head = b""
            conn.settimeout(30)
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
                if len(head) > 1 << 20:
                    return
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            method, path, _ = (lines[0].split(" ") + ["", ""])[:3]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            record.update(method=method, path=path, headers=headers, received=time.time())
            self._local.article = unique_article(self.template, path)
            conn.settimeout(None)
            self.route(conn, path, headers, record)
        except OSError as error:
            record["error"] = type(error).__name__
        finally:
            record["done"] = time.time()
            if "path" in record:
                with self.log_lock:
                    self.log.write(json.dumps(record) + "\n")
                    self.log.flush()
            try:
                conn.close()
            except OSError:
                pass

    def send_head(self, conn, record, status: int, headers: dict[str, str]) -> None:
        record["status"] = status
        record["answered"] = time.time()  # the client cannot have any of the answer before this
        lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()] + ["Connection: close"]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def send(self, conn, record, status: int, body: bytes, headers: dict[str, str] | None = None,
             length: int | None = None, send_body: bool = True) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        headers["Content-Length"] = str(len(body) if length is None else length)
        self.send_head(conn, record, status, headers)
        if send_body:
            conn.sendall(body)
            record["sent"] += len(body)

    # ------------------------------------------------------------------ behaviours

    def route(self, conn, path: str, headers: dict, record: dict) -> None:
        parts = path.split("?")[0].strip("/").split("/")
        mode = parts[0]
        head_only = record["method"] == "HEAD"
        if path == "/robots.txt":
            body = self.config.get("robots", "User-agent: *\nAllow: /\n").encode()
            return self.send(conn, record, 200, body, {"Content-Type": "text/plain"})
        if mode == "feed":
            name = parts[1].removesuffix(".xml")
            base = f"http://{headers.get('host', '127.0.0.1')}"
            items = "".join(f"<item><title>t</title><link>{u if '://' in u else base + u}</link></item>"
                            for u in self.config.get("feeds", {}).get(name, []))
            body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>{items}</channel></rss>'
            return self.send(conn, record, 200, body.encode(), {"Content-Type": "application/rss+xml"})
        if mode == "sitemap":
            name = parts[1].removesuffix(".xml")
            body = Path(self.config["files"][name]).read_bytes()
            return self.send(conn, record, 200, body, {"Content-Type": "application/xml"})
        if mode == "ok":
            return self.send(conn, record, 200, self.article, send_body=not head_only)
        if mode == "slow":
            time.sleep(int(parts[1]) / 1000)
            return self.send(conn, record, 200, self.article)
        if mode == "hang":
            record["status"] = 0
            conn.settimeout(120)
            while conn.recv(1024):
                pass
            return
        if mode == "drip":
            self.send_head(conn, record, 200, {"Content-Type": "text/html", "Content-Length": "100000"})
            for _ in range(100000):
                conn.sendall(b"x")
                record["sent"] += 1
                time.sleep(0.5)
            return
        if mode == "reset":
            self.send_head(conn, record, 200, {"Content-Type": "text/html", "Content-Length": "100000"})
            conn.sendall(self.article[:1000])
            record["sent"] = 1000
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return  # close() with linger 0 sends RST
        if mode == "close":
            half = self.article[: len(self.article) // 2]
            self.send_head(conn, record, 200, {"Content-Type": "text/html", "Content-Length": str(len(self.article))})
            conn.sendall(half)
            record["sent"] = len(half)
            return
        if mode == "short":
            return self.send(conn, record, 200, self.article, length=len(self.article) + 1000)
        if mode in ("badchunk", "truncchunk"):
            self.send_head(conn, record, 200, {"Content-Type": "text/html", "Transfer-Encoding": "chunked"})
            piece = self.article[: len(self.article) // 2]
            conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            record["sent"] = len(piece)
            if mode == "badchunk":
                conn.sendall(b"zz-not-hex\r\nGARBAGE\r\n")
            return
        if mode == "status":
            code = int(parts[1])
            extra = {}
            for part in parts[2:]:
                if part.startswith("ra-"):
                    extra["Retry-After"] = part[3:]
            return self.send(conn, record, code, b"<html><body>error</body></html>", extra)
        if mode == "redirect":
            n = int(parts[1])
            if n <= 0:
                return self.send(conn, record, 200, self.article)
            rest = "/".join(parts[2:])
            return self.send(conn, record, 302, b"", {"Location": f"/redirect/{n - 1}/{rest}"})
        if mode == "loop":
            other = "b" if parts[1] == "a" else "a"
            return self.send(conn, record, 302, b"", {"Location": f"/loop/{other}/" + "/".join(parts[2:])})
        if mode == "to":
            key = parts[1]
            extra = {"Location": self.config["redirects"][key]}
            if key in self.config.get("cookies", {}):
                extra["Set-Cookie"] = self.config["cookies"][key]
            return self.send(conn, record, 302, b"", extra)
        if mode == "bomb":
            encoding = parts[1]
            body = self.bomb(encoding)
            return self.send(conn, record, 200, body, {"Content-Encoding": encoding})
        if mode == "big":
            total = 100 * 1024 * 1024
            headers_out = {"Content-Type": "text/html"}
            if parts[1] == "cl":
                headers_out["Content-Length"] = str(total)
            self.send_head(conn, record, 200, headers_out)
            block = b"<p>" + b"a" * 65530 + b"</p>"
            try:
                while record["sent"] < total:
                    conn.sendall(block)
                    record["sent"] += len(block)
            except OSError:
                record["aborted"] = True
            return
        if mode == "binary":
            kind = parts[1]
            if kind == "pdf":
                body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + os.urandom(20000)
            elif kind == "png":
                body = b"\x89PNG\r\n\x1a\n" + os.urandom(20000)
            else:
                body = os.urandom(20000)
            return self.send(conn, record, 200, body)
        if mode == "content":
            spec = self.config["content"][parts[1]]
            body = Path(spec["file"]).read_bytes()
            return self.send(conn, record, 200, body, spec.get("headers"))
        return self.send(conn, record, 404, b"<html><body>not found</body></html>")

    def bomb(self, encoding: str) -> bytes:
        with self.bomb_lock:
            if encoding not in self.bombs:
                self.bombs[encoding] = compress_zeros(encoding, int(self.config.get("bomb_mb", 1024)))
            return self.bombs[encoding]


def compress_zeros(encoding: str, megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, compressed in 1 MB steps (never the whole plaintext in memory)."""
    block = b"\x00" * (1 << 20)
    if encoding in ("gzip", "deflate"):
        wbits = 31 if encoding == "gzip" else 15
        compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
        out = [compressor.compress(block) for _ in range(megabytes)]
        return b"".join(out) + compressor.flush()
    if encoding == "br":
        import brotli

        compressor = brotli.Compressor(quality=5)
        out = [compressor.process(block) for _ in range(megabytes)]
        return b"".join(out) + compressor.finish()
    if encoding == "zstd":
        from backports import zstd

        compressor = zstd.ZstdCompressor(level=3)
        out = [compressor.compress(block) for _ in range(megabytes)]
        return b"".join(out) + compressor.flush()
    raise ValueError(encoding)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()
    config = json.loads(args.config.read_text(encoding="utf-8")) if args.config else {}
    server = Server(args.host, args.port, args.log, config)
    print(server.port, flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
