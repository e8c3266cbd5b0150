"""Fixtures: the demo server as a subprocess on 127.0.0.1, and crawls run as subprocesses.

A crawl runs in its own process (``python -m newsclean.crawl_cmd`` or ``scrapy crawl``): the
Twisted reactor cannot be restarted inside the test process.
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

REPO = Path(__file__).resolve().parents[2]
DEMO_SITE = REPO / "crawler" / "demo" / "site"
#: Test crawls talk to our own local server: no politeness waits unless a test asks for them.
FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "NEWSCLEAN_CLEAN_WORKERS": "1",
        "NEWSCLEAN_PROGRESS_INTERVAL": "0", "LOG_LEVEL": "INFO"}


class DemoServer:
    """crawler/demo/server.py serving ``root``; its request log is the ground truth of what was fetched."""

    def __init__(self, root: Path, log: Path, faults: list[dict] | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.root, self.log = root, log
        command = [sys.executable, "-m", "crawler.demo.server", str(root), "--log", str(log), "--host", host,
                   "--port", str(port)]
        if faults:
            faults_file = log.with_suffix(".faults.json")
            faults_file.write_text(json.dumps(faults), encoding="utf-8")
            command += ["--faults", str(faults_file)]
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())
        self.base = f"http://{host}:{self.port}"

    def requests(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests()]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """A copy of the demo site that a test may edit."""
    root = tmp_path / "site"
    shutil.copytree(DEMO_SITE, root)
    return root


@pytest.fixture
def serve(tmp_path: Path, site_dir: Path) -> Iterator:
    """``serve(faults=None)`` -> a running DemoServer on the test's site copy."""
    servers: list[DemoServer] = []

    def start(faults: list[dict] | None = None) -> DemoServer:
        server = DemoServer(site_dir, tmp_path / f"requests-{len(servers)}.log", faults)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


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
    """A sites.toml with one site ``demo`` on the test server; keys as in seeds/sites.toml."""
    config = {"allowed_domains": ["127.0.0.1"], "start_urls": [], "sitemaps": [], "feeds": [],
              "sitemaps_from_robots": False, "follow_links": False, **site}
    lines = ["[site.demo]"]
    for key, value in config.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        else:
            items = ", ".join(json.dumps(v.replace("{BASE}", base)) for v in value)
            lines.append(f"{key} = [{items}]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_crawl(targets: list[str], out: Path, settings: dict[str, str] | None = None, *,
              use_scrapy: bool = False, timeout: float = 90) -> CrawlRun:
    """``newsclean crawl`` (or ``scrapy crawl news``) in a subprocess, FAST settings + ``settings``."""
    merged = {**FAST, **(settings or {})}
    merged.setdefault("NEWSCLEAN_STATE", f"{out}.state.sqlite")  # the crawl ledger: one per test output
    if use_scrapy:
        command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "site=" + ",".join(targets),
                   "-a", f"out={out}"]
    else:
        command = [sys.executable, "-m", "newsclean.crawl_cmd", *targets, "-o", str(out),
                   "--log-file", f"{out}.log"]
    for name, value in merged.items():
        command += ["-s", f"{name}={value}"]
    Path(f"{out}.log").unlink(missing_ok=True)  # this run's log only (a log file is appended to)
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    return CrawlRun(done.returncode, done.stdout, done.stderr, out)
