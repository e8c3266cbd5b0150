"""Fault-test fixtures: fault servers on 127.0.0.x (subprocesses that log every request) and crawls
run as subprocesses, with their Scrapy stats and peak memory (RSS of the whole process tree)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pyarrow.parquet as pq
import pytest

from tests.crawler.conftest import FAST, REPO

SERVER = Path(__file__).with_name("fault_server.py")
#: Short timeouts and few retries keep the suite fast; the loopback test hosts are allowed explicitly.
FAULT_SETTINGS = {**FAST, "DOWNLOAD_TIMEOUT": "2", "RETRY_TIMES": "1", "NEWSCLEAN_BACKOFF_BASE": "0.2",
                  "NEWSCLEAN_ALLOW_PRIVATE_HOSTS": "127.0.0.1", "LOG_LEVEL": "INFO",
                  "NEWSCLEAN_STATE": ""}  # no crawl ledger: every test crawl starts from scratch
_STAT = re.compile(r"'([^'\n]+)': (\d+),?\n")


class FaultServer:
    def __init__(self, log: Path, config: dict | None = None, host: str = "127.0.0.1") -> None:
        self.log = log
        command = [sys.executable, str(SERVER), "--host", host, "--log", str(log)]
        if config:
            cfg = log.with_suffix(".config.json")
            cfg.write_text(json.dumps(config), encoding="utf-8")
            command += ["--config", str(cfg)]
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())
        self.host = host
        self.base = f"http://{host}:{self.port}"

    def requests(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def hits(self, prefix: str) -> list[dict]:
        return [r for r in self.requests() if r["path"].startswith(prefix)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def fault_server(tmp_path: Path) -> Iterator:
    """``fault_server(config=None, host="127.0.0.1")`` -> a running FaultServer."""
    servers: list[FaultServer] = []

    def start(config: dict | None = None, host: str = "127.0.0.1") -> FaultServer:
        server = FaultServer(tmp_path / f"faults-{len(servers)}.log", config, host)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@dataclass
class Crawl:
    returncode: int
    stdout: str
    stderr: str
    out: Path
    peak_rss: int = 0
    elapsed: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)
    rss_samples: list[int] = field(default_factory=list)

    def rows(self) -> list[dict]:
        return pq.read_table(self.out).to_pylist()

    def stat(self, key: str) -> int:
        return self.stats.get(key, 0)

    def site(self, key: str, site: str = "demo") -> int:
        return self.stat(f"newsclean/{site}/{key}")

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


def sites_file(path: Path, feeds: list[str], allowed: list[str] = ("127.0.0.1",), **extra) -> Path:
    config = {"allowed_domains": list(allowed), "feeds": feeds, "start_urls": [], "sitemaps": [],
              "sitemaps_from_robots": False, "follow_links": False, **extra}
    lines = ["[site.demo]"] + [f"{key} = {json.dumps(value)}" for key, value in config.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawl(tmp_path: Path, feeds: list[str], settings: dict[str, str] | None = None, *,
          timeout: float = 120, allowed: list[str] = ("127.0.0.1",), name: str = "out", sample_rss: bool = False,
          **site) -> Crawl:
    """``newsclean crawl demo`` over the feeds, in a subprocess; its stats and peak tree RSS."""
    sites = sites_file(tmp_path / f"sites-{name}.toml", feeds, allowed, **site)
    out = tmp_path / name
    merged = {**FAULT_SETTINGS, "NEWSCLEAN_SITES_FILE": str(sites), **(settings or {})}
    log_file = tmp_path / f"{name}.log"
    command = [sys.executable, "-m", "newsclean.crawl_cmd", "demo", "-o", str(out), "--log-file", str(log_file)]
    for key, value in merged.items():
        command += ["-s", f"{key}={value}"]
    started = time.monotonic()
    stdout_f = tmp_path / f"{name}.stdout"
    stderr_f = tmp_path / f"{name}.stderr"
    with open(stdout_f, "w") as so, open(stderr_f, "w") as se:
        child = subprocess.Popen(command, cwd=REPO, stdout=so, stderr=se)
        ps = psutil.Process(child.pid)
        peak, samples = 0, []
        while child.poll() is None:
            rss = tree_rss(ps)
            peak = max(peak, rss)
            samples.append(rss)
            if time.monotonic() - started > timeout:
                child.kill()
                child.wait()
                raise AssertionError(f"crawl did not finish in {timeout} s")
            time.sleep(0.05)
    stdout, stderr = stdout_f.read_text(), stderr_f.read_text()
    dump = log_file.read_text(encoding="utf-8").split("Dumping Scrapy stats:", 1)[-1] if log_file.exists() else ""
    stats = {k: int(v) for k, v in _STAT.findall(dump)}
    return Crawl(child.returncode, stdout, stderr, out, peak, time.monotonic() - started, stats,
                 samples if sample_rss else [])


def assert_ok(run: Crawl) -> None:
    assert run.returncode == 0, run.stderr[-4000:]
