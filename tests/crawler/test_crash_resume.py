"""A crawl stopped at any moment, SIGKILL included, is finished by the next runs: every article
written exactly once, nothing lost, every Parquet file readable at every stop (issue 5).

A generated site of 200 articles is served with a small delay per page, so that a crawl lasts
a few seconds; ``newsclean crawl`` runs in a subprocess and is stopped at seeded random moments
after its first article request. Small files (8 rows) make commits frequent, so that stops land
in and around the commit protocol.
"""
from __future__ import annotations

import logging
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.demo.build_site import article_path, build_site, synthetic_articles
from crawler.state.sqlite_ledger import SQLiteLedger
from tests.crawler.conftest import FAST, REPO, DemoServer, run_crawl, write_sites_file

log = logging.getLogger(__name__)

ARTICLES = synthetic_articles(200, seed=5)
ARTICLE_PATHS = {article_path(a) for a in ARTICLES}
SETTINGS = {"NEWSCLEAN_MAX_ROWS_PER_FILE": "8", "CONCURRENT_REQUESTS_PER_DOMAIN": "2", "NEWSCLEAN_CLEAN_WORKERS": "2"}
PAGE_DELAY = [{"path": r"-\d{6}\.html$", "delay": 0.03}]


class Site:
    """The generated site, its server, and one output folder with its ledger."""

    def __init__(self, tmp_path: Path) -> None:
        root = tmp_path / "site"
        build_site(root, ARTICLES)
        self.server = DemoServer(root, tmp_path / "requests.log", PAGE_DELAY)
        self.sites_file = write_sites_file(tmp_path / "sites.toml", self.server.base,
                                           sitemaps=["{BASE}/sitemap-articles.xml"])
        self.out = tmp_path / "out"
        self.state = tmp_path / "state.sqlite"
        self.settings = {**SETTINGS, "NEWSCLEAN_SITES_FILE": str(self.sites_file), "NEWSCLEAN_STATE": str(self.state)}

    def start(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "newsclean.crawl_cmd", "demo", "-o", str(self.out)]
        for name, value in {**FAST, **self.settings}.items():
            command += ["-s", f"{name}={value}"]
        return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def article_requests(self) -> list[dict]:
        return [r for r in self.server.requests() if r["path"] in ARTICLE_PATHS]

    def stop_at_random(self, sig: signal.Signals, rng: random.Random) -> int:
        """Start a crawl, send ``sig`` 0.3-2.5 s after its first article request; its exit code."""
        seen = len(self.article_requests())
        process = self.start()
        deadline = time.monotonic() + 30
        while len(self.article_requests()) == seen and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.3, 2.5))
        if process.poll() is None:
            process.send_signal(sig)
        _, stderr = process.communicate(timeout=60)
        log.info("%s after %d article requests: exit %s", sig.name, len(self.article_requests()) - seen,
                 process.returncode)
        self.stderr = stderr
        return process.returncode

    def check_stop(self) -> dict[str, int]:
        """What any stop must leave: readable files, no id twice, no URL lost; what was in flight."""
        files = sorted(self.out.glob("*.parquet"))
        ids = Counter()
        for path in files:
            ids.update(pq.read_table(path, columns=["id"])["id"].to_pylist())  # every file readable
        if files:
            assert pq.read_table(self.out).num_rows == sum(ids.values())  # and the folder as a dataset
        assert not [i for i, n in ids.items() if n > 1]
        with SQLiteLedger(self.state) as ledger:
            stats = ledger.stats()
            assert stats.invariant_holds(), stats
            pending_commits = ledger._query("SELECT count(*) AS n FROM commits WHERE state = 'pending'")[0]["n"]
            fetched = stats.states["fetched"]
        return {"rows": sum(ids.values()), "pending_commits": pending_commits, "fetched": fetched,
                "tmp_files": len(list(self.out.glob(".*.parquet.tmp"))), "written": stats.states["written"]}

    def finish(self) -> None:
        """Run to the end; then every article is in the dataset exactly once, the ledger agrees."""
        run = run_crawl(["demo"], self.out, self.settings)
        assert run.returncode == 0, run.stderr[-3000:]
        rows = pq.read_table(self.out).to_pylist()
        by_url = Counter(row["url"].removeprefix(self.server.base) for row in rows)
        with SQLiteLedger(self.state) as ledger:
            stats = ledger.stats()
            assert ledger.verify(self.out) == []
            failed = {row["url"].removeprefix(self.server.base): row["reason"]
                      for row in ledger._query("SELECT url, reason FROM urls WHERE state = 'failed'")}
        assert stats.invariant_holds() and stats.pending == 0, stats
        assert all(reason for reason in failed.values())
        assert set(by_url) | set(failed) == ARTICLE_PATHS and not set(by_url) & set(failed)
        assert max(by_url.values()) == 1
        assert len({row["id"] for row in rows}) == len(rows)
        assert not failed  # the generated site has no bad page: each article is written


@pytest.fixture
def site(tmp_path: Path):
    site = Site(tmp_path)
    yield site
    site.server.stop()


def test_sigkill_at_random_moments_then_resume(site):
    rng = random.Random(2024)
    in_flight = []
    for _ in range(3):
        assert site.stop_at_random(signal.SIGKILL, rng) == -signal.SIGKILL
        in_flight.append(site.check_stop())
    log.info("after each SIGKILL: %s", in_flight)
    site.finish()
    fetched = Counter(r["path"] for r in site.article_requests() if r["status"] == 200)
    # Fetched again: pages downloaded but not yet committed at a kill (not cleaned yet, or buffered).
    log.info("articles fetched: %d distinct, %d times in all", len(fetched), sum(fetched.values()))
    assert set(fetched) == ARTICLE_PATHS


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_graceful_stop_commits_and_resumes(site, sig):
    rng = random.Random(int(sig))
    returncode = site.stop_at_random(sig, rng)
    assert returncode in (0, 1), site.stderr[-3000:]  # it exited by itself (1: stopped before the end)
    after = site.check_stop()
    log.info("after %s: %s", sig.name, after)
    # The writer's buffer was committed and the ledger updated at close: nothing half-done.
    assert after["fetched"] == 0 and after["pending_commits"] == 0 and after["tmp_files"] == 0
    assert after["rows"] == after["written"] > 0
    with SQLiteLedger(site.state) as ledger:
        assert ledger.stats().last_run["status"] in ("shutdown", "finished")
    site.finish()
    fetched = Counter(r["path"] for r in site.article_requests() if r["status"] == 200)
    assert set(fetched) == ARTICLE_PATHS and max(fetched.values()) == 1  # nothing fetched twice
