"""Distributed crawl pages/s: 1 worker and 2 workers (scrapy-redis + Redis ledger) on one local site.

A generated site of ``--articles`` pages (crawler/demo/build_site.py) served by
crawler/demo/server.py; a fresh redis-server (127.0.0.1, random port, no persistence) per run.
Each run starts the workers (``newsclean crawl ... --redis URL``) at once and is timed from start
until the last worker exits (process start, imports and the idle-close wait included), and by the
server's request log (first to last article request). Per-domain concurrency is shared by all
workers (the point of the politeness middleware), so it is set to ``--per-domain`` for both runs.

Run: .venv/bin/python benchmarks/crawl_distributed.py [--articles 600] [--per-domain 8] [--rounds 1]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demo.build_site import build_site, synthetic_articles  # noqa: E402
from tests.crawler.conftest import FAST, DemoServer, write_sites_file  # noqa: E402

IDLE_CLOSE = 1.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(tmp: Path, workers: int, articles: int, per_domain: int, tag: str) -> dict:
    server = DemoServer(tmp / "site", tmp / f"requests-{tag}.log")
    port = free_port()
    redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--dir", str(tmp)], stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    out = tmp / f"out-{tag}"
    sites = write_sites_file(tmp / "sites.toml", server.base, sitemaps=["{BASE}/sitemap.xml"])
    settings = {**FAST, "NEWSCLEAN_SITES_FILE": str(sites), "CONCURRENT_REQUESTS_PER_DOMAIN": str(per_domain),
                "NEWSCLEAN_REDIS_IDLE_CLOSE": str(IDLE_CLOSE), "LOG_LEVEL": "WARNING"}
    try:
        start = time.perf_counter()
        procs = []
        for w in range(workers):
            command = [sys.executable, "-m", "newsclean", "crawl", "demo", "-o", str(out),
                       "--redis", f"redis://127.0.0.1:{port}/0"]
            for name, value in {**settings, "NEWSCLEAN_WORKER_ID": f"w{w}"}.items():
                command += ["-s", f"{name}={value}"]
            procs.append(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outputs = [p.communicate(timeout=600) for p in procs]
        elapsed = time.perf_counter() - start
        if any(p.returncode for p in procs):
            raise SystemExit("\n".join(err[-2000:] for _, err in outputs))
    finally:
        server.stop()
        redis.terminate()
        redis.wait(10)
    rows = pq.read_table(out, columns=["url"])["url"].to_pylist()
    hits = [json.loads(line) for line in (tmp / f"requests-{tag}.log").read_text().splitlines()]
    hits = [h for h in hits if "-ban-" in h["path"]]
    window = max(h["done"] for h in hits) - min(h["t"] for h in hits)
    per_worker = [pq.read_table(out / f"worker-w{w}").num_rows for w in range(workers)]
    return {"workers": workers, "elapsed": elapsed, "rows": len(rows), "unique": len(set(rows)),
            "fetches": len(hits), "window": window, "per_worker": per_worker}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--per-domain", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        build_site(tmp / "site", synthetic_articles(args.articles))
        print(f"{args.articles} articles, {os.cpu_count()} CPUs, CONCURRENT_REQUESTS_PER_DOMAIN={args.per_domain} "
              f"shared by the workers, idle close {IDLE_CLOSE} s")
        for r in range(args.rounds):
            for workers in (1, 2):
                res = run(tmp, workers, args.articles, args.per_domain, f"{r}-{workers}")
                print(f"workers={workers}: {res['elapsed']:.1f} s end to end = {res['rows'] / res['elapsed']:.1f} pages/s; "
                      f"article fetch window {res['window']:.1f} s = {res['fetches'] / res['window']:.1f} pages/s; "
                      f"rows {res['rows']} (unique {res['unique']}), fetches {res['fetches']}, per worker {res['per_worker']}",
                      flush=True)


if __name__ == "__main__":
    main()
