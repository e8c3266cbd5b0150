"""Two crawl workers (subprocesses) on one real redis-server against the local demo server.

Every article is written exactly once across both workers' folders; per-domain concurrency
across both, read from the server's own request log, never exceeds the setting; a worker
SIGKILLed part-way loses nothing: the other one finishes everything.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.demo.build_site import article_path, build_site, synthetic_articles
from crawler.state.ledger import PENDING_STATES
from crawler.state.redis_ledger import RedisLedger
from tests.crawler.conftest import FAST, DemoServer, write_sites_file

REPO = Path(__file__).resolve().parents[3]
N_ARTICLES = 300
PER_DOMAIN = 2


@pytest.fixture
def site(tmp_path):
    articles = synthetic_articles(N_ARTICLES)
    build_site(tmp_path / "site", articles)
    # 30 ms per page: requests overlap, so a concurrency above the limit would show in the log
    server = DemoServer(tmp_path / "site", tmp_path / "requests.log", faults=[{"path": r"\.html$", "delay": 0.03}])
    yield server, {server.base + article_path(a) for a in articles}
    server.stop()


def start_worker(tmp_path: Path, server: DemoServer, redis_url: str, worker: str, **settings: str) -> subprocess.Popen:
    sites = write_sites_file(tmp_path / "sites.toml", server.base, sitemaps=["{BASE}/sitemap.xml"])
    merged = {**FAST, "NEWSCLEAN_SITES_FILE": str(sites), "NEWSCLEAN_WORKER_ID": worker,
              "CONCURRENT_REQUESTS_PER_DOMAIN": str(PER_DOMAIN), "NEWSCLEAN_LEASE_SECONDS": "3",
              "NEWSCLEAN_REDIS_SLOT_LEASE": "5", "NEWSCLEAN_REDIS_IDLE_CLOSE": "2",
              "NEWSCLEAN_MAX_ROWS_PER_FILE": "20", **settings}
    command = [sys.executable, "-m", "newsclean", "crawl", "demo", "-o", str(tmp_path / "out"), "--redis", redis_url]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.Popen(command, cwd=REPO, stdout=open(tmp_path / f"{worker}.out", "w"),
                            stderr=open(tmp_path / f"{worker}.log", "w"))


def held_by(ledger: RedisLedger, worker: str) -> int:
    """How many unfinished articles ``worker`` holds in the crawl's Redis ledger."""
    held = 0
    for state in PENDING_STATES:
        for url in ledger.r.smembers(ledger._state_set(state)):
            owner, writer = ledger.r.hmget(ledger._url(url), "owner", "writer")
            held += worker in (owner, writer)
    return held


def rows_by_url(out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for url in pq.read_table(out, columns=["url"])["url"].to_pylist():
        counts[url] = counts.get(url, 0) + 1
    return counts


#: The server takes a request's ``done`` time after its last byte is sent: by then the client may
#: have its response, released its slot and the next request arrived. Ends count this much earlier.
LOG_LAG = 0.005


def max_concurrency(requests: list[dict]) -> int:
    events = sorted([(r["t"], 1) for r in requests] + [(max(r["t"], r["done"] - LOG_LAG), -1) for r in requests],
                    key=lambda e: (e[0], e[1]))  # an end before a start at the same instant
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def test_two_workers_write_every_article_once_within_the_shared_politeness(tmp_path, redis_url, site):
    server, articles = site
    workers = [start_worker(tmp_path, server, redis_url, name) for name in ("a", "b")]
    for worker in workers:
        assert worker.wait(180) == 0, (tmp_path / "a.log").read_text()[-3000:]
    counts = rows_by_url(tmp_path / "out")
    assert set(counts) == articles
    assert max(counts.values()) == 1, {u: n for u, n in counts.items() if n > 1}
    per_worker = {w: pq.read_table(tmp_path / "out" / f"worker-{w}").num_rows for w in ("a", "b")}
    assert sum(per_worker.values()) == N_ARTICLES and min(per_worker.values()) > 0, per_worker
    requests = server.requests()
    assert max_concurrency(requests) <= PER_DOMAIN
    article_hits = [r["path"] for r in requests if r["path"].endswith(".html") and "-ban-" in r["path"]]
    assert len(article_hits) == N_ARTICLES  # each article fetched once across both workers


def test_a_worker_killed_part_way_loses_nothing(tmp_path, redis_url, site):
    server, articles = site
    doomed = start_worker(tmp_path, server, redis_url, "a", NEWSCLEAN_MAX_ROWS_PER_FILE="5")  # commits early
    survivor = start_worker(tmp_path, server, redis_url, "b")
    observer = RedisLedger(redis_url, worker="test-observer", lease_seconds=1)
    deadline = time.monotonic() + 60
    # part-way: a has committed a file (5 rows) and, by the ledger in Redis, holds unfinished
    # articles (fetched and not yet written, or taken and not yet fetched) that b must take over
    while not list((tmp_path / "out" / "worker-a").glob("*.parquet")) or \
            sum(1 for p in server.paths() if "-ban-" in p) < N_ARTICLES // 4 or held_by(observer, "a") == 0:
        assert time.monotonic() < deadline and doomed.poll() is None, "the crawl did not get going"
        time.sleep(0.02)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(10)
    assert survivor.wait(180) == 0, (tmp_path / "b.log").read_text()[-3000:]
    counts = rows_by_url(tmp_path / "out")
    assert set(counts) == articles, f"{len(articles - set(counts))} articles lost"
    assert max(counts.values()) == 1, {u: n for u, n in counts.items() if n > 1}
    assert pq.read_table(tmp_path / "out" / "worker-a").num_rows > 0  # a's committed rows count
    assert "orphaned URLs" in (tmp_path / "b.log").read_text()  # b took over what a held
    assert max_concurrency(server.requests()) <= PER_DOMAIN


def test_a_transient_failure_is_fetched_again_by_the_next_distributed_run(tmp_path, redis_url):
    """The Redis ledger sends transient failures back to pending when a worker starts, as the
    SQLite ledger does (NEWSCLEAN_RETRY_FAILED_ATTEMPTS)."""
    articles = synthetic_articles(20)
    build_site(tmp_path / "site", articles)
    flaky = article_path(articles[3])
    server = DemoServer(tmp_path / "site", tmp_path / "requests.log",
                        faults=[{"path": re.escape(flaky) + "$", "status": 503, "times": 2}])  # all of run 1
    try:
        for worker in ("a", "b"):   # one run after the other
            run = start_worker(tmp_path, server, redis_url, worker, RETRY_TIMES="1", NEWSCLEAN_BACKOFF_BASE="0.05")
            assert run.wait(120) == 0, (tmp_path / f"{worker}.log").read_text()[-3000:]
            if worker == "a":
                assert server.base + flaky not in rows_by_url(tmp_path / "out")
        counts = rows_by_url(tmp_path / "out")
        assert set(counts) == {server.base + article_path(a) for a in articles} and max(counts.values()) == 1
        assert [r["status"] for r in server.requests() if r["path"] == flaky] == [503, 503, 200]
    finally:
        server.stop()


def test_two_workers_on_a_site_nobody_configured(tmp_path, redis_url):
    """The generated site of real pages (tests/crawler/newsite.py) from its home page URL, by two
    workers: every article written once across both folders, no listing, nothing refused asked."""
    from tests.crawler.newsite import build_news_site, check_requests, check_rows

    trap = DemoServer(tmp_path, tmp_path / "trap-requests.log", host="127.0.0.2")
    site = build_news_site(tmp_path / "site", trap.base)
    server = DemoServer(site.root, tmp_path / "requests.log", faults=[{"path": ".", "delay": 0.05}])
    try:
        workers = []
        for name in ("a", "b"):
            command = [sys.executable, "-m", "newsclean", "crawl", server.base + "/", "-o", str(tmp_path / "out"),
                       "--redis", redis_url]
            for key, value in {**FAST, "NEWSCLEAN_WORKER_ID": name, "NEWSCLEAN_LEASE_SECONDS": "3",
                               "NEWSCLEAN_REDIS_SLOT_LEASE": "5", "NEWSCLEAN_REDIS_IDLE_CLOSE": "2"}.items():
                command += ["-s", f"{key}={value}"]
            workers.append(subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                                            stderr=open(tmp_path / f"{name}.log", "w")))
        for name, worker in zip("ab", workers):
            assert worker.wait(240) == 0, (tmp_path / f"{name}.log").read_text()[-3000:]
        # Every article once across both workers' folders. (How the work splits is not asserted:
        # on a site this small, whose frontier grows a link at a time, one worker may take it all.)
        check_rows(site, pq.read_table(tmp_path / "out").to_pylist(), server.base)
        check_requests(site, server, trap)
    finally:
        server.stop()
        trap.stop()
