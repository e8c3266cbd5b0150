"""Crawl fixtures and helpers: the demo site served on 127.0.0.1 (``serve``), sites files, and
crawls run as subprocesses (``run_crawl``; ``crawl_command`` for tests that run their own).

A crawl runs in its own process (``python -m newsclean.crawl_cmd`` or ``scrapy crawl``): the
Twisted reactor cannot be restarted inside the test process. The servers are ``tests.servers``.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.servers import REPO, DemoServer, Servers

DEMO_SITE = REPO / "crawler" / "demo" / "site"
#: Test crawls talk to our own local server: no politeness waits unless a test asks for them.
FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "NEWSCLEAN_CLEAN_WORKERS": "1",
        "NEWSCLEAN_PROGRESS_INTERVAL": "0", "LOG_LEVEL": "INFO"}


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A copy of the demo site that a test may edit."""
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITE, root)
    return root


@pytest.fixture
def serve(tmp_path: Path, site_dir: Path) -> Iterator:
    """``serve(faults=None)`` -> a running DemoServer on the test's site copy."""
    servers = Servers()
    yield lambda faults=None: servers.add(DemoServer(site_dir, tmp_path / f"requests-{len(servers)}.log", faults))
    servers.stop_all()


@dataclass
class CrawlRun:
    returncode: int
    stdout: str
    stderr: str
    out: Path

    def rows(self) -> list[dict]:
        return pq.read_table(self.out).to_pylist()

    @property
    def log(self) -> str:
        """Every log line of the crawl (DEBUG and Scrapy's stats dump included): its --log-file."""
        path = self.out.with_name(self.out.name + ".log")
        return path.read_text(encoding="utf-8") if path.exists() else self.stderr


def write_sites_file(path: Path, base: str, **site: object) -> Path:
    """A sites.toml with one site ``demo`` on the test server; keys as in seeds/sites.toml, and
    ``{BASE}`` in a listed URL becomes ``base``."""
    config = {"allowed_domains": ["127.0.0.1"], "start_urls": [], "sitemaps": [], "feeds": [],
              "sitemaps_from_robots": False, "follow_links": False, **site}
    lines = ["[site.demo]"]
    for key, value in config.items():
        if isinstance(value, (list, tuple)):
            value = [v.replace("{BASE}", base) for v in value]
        lines.append(f"{key} = {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawl_command(targets: list[str], out: Path, settings: dict[str, str], *, use_scrapy: bool = False) -> list[str]:
    """``newsclean crawl TARGETS -o OUT --log-file OUT.log`` (or ``scrapy crawl news``) with ``-s`` settings."""
    if use_scrapy:
        command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "site=" + ",".join(targets),
                   "-a", f"out={out}"]
    else:
        command = [sys.executable, "-m", "newsclean.crawl_cmd", *targets, "-o", str(out),
                   "--log-file", f"{out}.log"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return command


def run_crawl(targets: list[str], out: Path, settings: dict[str, str] | None = None, *,
              use_scrapy: bool = False, timeout: float = 90) -> CrawlRun:
    """``newsclean crawl`` (or ``scrapy crawl news``) in a subprocess, FAST settings + ``settings``."""
    merged = {**FAST, **(settings or {})}
    merged.setdefault("NEWSCLEAN_STATE", f"{out}.state.sqlite")  # the crawl ledger: one per test output
    Path(f"{out}.log").unlink(missing_ok=True)  # this run's log only (a log file is appended to)
    done = subprocess.run(crawl_command(targets, out, merged, use_scrapy=use_scrapy), cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)
    return CrawlRun(done.returncode, done.stdout, done.stderr, out)
