"""Fault-test fixtures: fault servers on 127.0.0.x (``fault_server``; the server is
``tests.servers.FaultServer``) and crawls run as subprocesses (``crawl``), with their Scrapy
stats and peak memory (RSS of the whole process tree)."""
from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest

from crawler.stats import site_key
from tests.crawler.conftest import FAST, crawl_command, write_sites_file
from tests.servers import REPO, FaultServer, Servers

#: Short timeouts and few retries keep the suite fast; the loopback test hosts are allowed explicitly.
FAULT_SETTINGS = {**FAST, "DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "1", "NEWSCLEAN_BACKOFF_BASE": "0.2",
                  "NEWSCLEAN_ALLOW_PRIVATE_HOSTS": "127.0.0.1", "LOG_LEVEL": "INFO",
                  "NEWSCLEAN_STATE": ""}  # no crawl ledger: every test crawl starts from scratch
_STAT = re.compile(r"'([^'\n]+)': (\d+),?\n")


@pytest.fixture
def fault_server(tmp_path: Path) -> Iterator:
    """``fault_server(config=None, host="127.0.0.1")`` -> a running FaultServer."""
    servers = Servers()
    yield lambda config=None, host="127.0.0.1": servers.add(
        FaultServer(tmp_path / f"faults-{len(servers)}.log", config, host))
    servers.stop_all()


@dataclass
class Crawl:
    returncode: int
    stdout: str
    stderr: str
    out: Path
    peak_rss: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    rss_samples: list[int] = field(default_factory=list)
    log: str = ""

    def rows(self) -> list[dict]:
        return pq.read_table(self.out).to_pylist()

    def stat(self, key: str) -> int:
        return self.stats.get(key, 0)

    def site(self, key: str, site: str = "demo") -> int:
        return self.stat(site_key(site, key))

    def failed(self, *reasons: str) -> int:
        """Articles failed under any of these reasons (names differ across Scrapy versions)."""
        return sum(self.site(f"failed/{reason}") for reason in reasons)


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


@dataclass
class Measured:
    """A finished subprocess: exit code, output, and the RSS of its whole process tree, sampled."""
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int
    rss_samples: list[int]


def run_measured(command: list[str], tmp_path: Path, name: str, timeout: float) -> Measured:
    """Runs ``command`` (from the repository) sampling its tree's RSS every 50 ms. ``timeout`` is a
    hang guard: a process still running then is killed and the test fails."""
    stdout_f, stderr_f = tmp_path / f"{name}.stdout", tmp_path / f"{name}.stderr"
    with open(stdout_f, "w") as so, open(stderr_f, "w") as se:
        child = subprocess.Popen(command, cwd=REPO, stdout=so, stderr=se)
        ps = psutil.Process(child.pid)
        samples: list[int] = []
        deadline = time.monotonic() + timeout
        while child.poll() is None:
            samples.append(tree_rss(ps))
            if time.monotonic() > deadline:
                child.kill()
                child.wait()
                raise AssertionError(f"{name}: still running after {timeout} s, killed")
            time.sleep(0.05)
    return Measured(child.returncode, stdout_f.read_text(), stderr_f.read_text(), max(samples, default=0), samples)


def crawl(tmp_path: Path, feeds: list[str], settings: dict[str, str] | None = None, *,
          timeout: float = 120, allowed: list[str] = ("127.0.0.1",), name: str = "out", sample_rss: bool = False,
          **site) -> Crawl:
    """``newsclean crawl demo`` over the feeds, in a subprocess (``run_measured``, ``timeout`` its
    hang guard); its stats, log and peak tree RSS."""
    sites = write_sites_file(tmp_path / f"sites-{name}.toml", "", allowed_domains=list(allowed), feeds=feeds, **site)
    out = tmp_path / name
    merged = {**FAULT_SETTINGS, "NEWSCLEAN_SITES_FILE": str(sites), **(settings or {})}
    run = run_measured(crawl_command(["demo"], out, merged), tmp_path, name, timeout)
    log_file = Path(f"{out}.log")
    log = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
    stats = {k: int(v) for k, v in _STAT.findall(log.split("Dumping Scrapy stats:", 1)[-1])}
    return Crawl(run.returncode, run.stdout, run.stderr, out, run.peak_rss, stats,
                 run.rss_samples if sample_rss else [], log)


def assert_ok(run: Crawl) -> None:
    assert run.returncode == 0, run.stderr[-4000:]
