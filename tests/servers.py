"""The test HTTP servers, run as subprocesses on loopback, and waiting on them without a clock.

Two servers, one wrapper (``ServerProcess``): ``DemoServer`` runs ``crawler/demo/server.py`` over
a site folder (files, with fault rules: status, headers, delay, body); ``FaultServer`` runs
``tests/faults/fault_server.py``, a raw-socket server for what http.server cannot answer
(hangs, drips, resets, broken chunks, bombs). Both print their port on a line of their own and
log every request as one JSON line: that log is the ground truth of what a crawl fetched.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FAULT_SERVER = REPO / "tests" / "faults" / "fault_server.py"


class ServerProcess:
    """A test server subprocess: started with ``command``, listening at ``base``, logging to ``log``."""

    def __init__(self, command: list[str], log: Path, host: str) -> None:
        self.log, self.host = log, host
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())
        self.base = f"http://{host}:{self.port}"

    def requests(self) -> list[dict]:
        """Every request logged so far, in the order they were answered."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines() if line]

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests()]

    def hits(self, prefix: str) -> list[dict]:
        """The requests whose path starts with ``prefix``."""
        return [r for r in self.requests() if r["path"].startswith(prefix)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def with_config(command: list[str], flag: str, path: Path, config: object | None) -> list[str]:
    """``command``, and when there is a ``config``, ``flag PATH`` with it written to ``path`` as JSON."""
    if not config:
        return command
    path.write_text(json.dumps(config), encoding="utf-8")
    return [*command, flag, str(path)]


class DemoServer(ServerProcess):
    """crawler/demo/server.py serving ``root``, with fault rules (see its docstring)."""

    def __init__(self, root: Path, log: Path, faults: list[dict] | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.root = root
        command = [sys.executable, "-m", "crawler.demo.server", str(root), "--log", str(log), "--host", host,
                   "--port", str(port)]
        super().__init__(with_config(command, "--faults", log.with_suffix(".faults.json"), faults), log, host)


class FaultServer(ServerProcess):
    """tests/faults/fault_server.py, its behaviours chosen by path and ``config`` (see its docstring)."""

    def __init__(self, log: Path, config: dict | None = None, host: str = "127.0.0.1") -> None:
        command = [sys.executable, str(FAULT_SERVER), "--host", host, "--log", str(log)]
        super().__init__(with_config(command, "--config", log.with_suffix(".config.json"), config), log, host)


class Servers:
    """The servers a test started, stopped together at its end (by the fixtures that start them)."""

    def __init__(self) -> None:
        self.running: list[ServerProcess] = []

    def add(self, server: ServerProcess) -> ServerProcess:
        self.running.append(server)
        return server

    def __len__(self) -> int:
        return len(self.running)

    def stop_all(self) -> None:
        for server in self.running:
            server.stop()


def wait_until(condition: Callable[[], bool], *, give_up_after: float = 30, every: float = 0.01) -> bool:
    """Polls ``condition`` until it holds (True) or ``give_up_after`` seconds pass (False): a hang
    guard for tests that act when a subprocess reaches some state, never a measure of speed."""
    deadline = time.monotonic() + give_up_after
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True
