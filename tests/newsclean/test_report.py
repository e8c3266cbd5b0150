"""``newsclean report``: built from a real crawl of the demo site and from ``newsclean clean seeds/``,
then opened in headless Chromium (Debian's package; `make test` installs it) over the DevTools
protocol: a screenshot is taken, the page logs no error, requests nothing but its own file, and
every plot has data marks of non-zero size on screen."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import websocket
from click.testing import CliRunner

from newsclean.cli import main
from tests.conftest import ROOT, SEEDS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--window-size=1200,900"]
#: What every plot in the page reports once rendered: its section, and its data marks with a visible box.
PLOTS_JS = """JSON.stringify([...document.querySelectorAll('figure.plot')].map(f => ({
  section: (f.closest('section') || {}).id,
  marks: [...f.querySelectorAll('[id^="data-"]')].filter(m => {
    const r = m.getBoundingClientRect(); return r.width > 0 && r.height > 0; }).length})))"""


@dataclass
class BrowserView:
    """What Chromium saw of a page."""

    plots: list[dict]
    screenshot: bytes
    errors: list[str] = field(default_factory=list)     # console errors, exceptions, error log entries
    requests: list[str] = field(default_factory=list)   # every URL the page asked for


class DevTools:
    """One page target of a headless Chromium, driven over its DevTools websocket."""

    def __init__(self, socket_url: str) -> None:
        self.socket = websocket.create_connection(socket_url, timeout=60)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.socket.recv()))


def open_in_chromium(page: Path) -> BrowserView:
    """Load ``page`` (file://) in a fresh headless Chromium; its plots, a full-page screenshot, errors, requests."""
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:  # Chromium may still be writing it
        browser = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            port = _devtools_port(browser)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as answer:
                target = next(t for t in json.load(answer) if t["type"] == "page")
            tools = DevTools(target["webSocketDebuggerUrl"])
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.call(f"{domain}.enable")
            tools.call("Page.navigate", url=page.resolve().as_uri())
            tools.wait_for("Page.loadEventFired")
            plots = json.loads(tools.call("Runtime.evaluate", expression=PLOTS_JS)["result"]["value"])
            size = tools.call("Page.getLayoutMetrics")["cssContentSize"]
            shot = tools.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                              clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
            tools.call("Runtime.evaluate", expression="1")  # drain the events sent meanwhile
            tools.socket.close()
        finally:
            browser.terminate()
            browser.wait(30)
    view = BrowserView(plots, base64.b64decode(shot["data"]))
    for event in tools.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            view.errors.append(json.dumps(params.get("args")))
        elif method == "Runtime.exceptionThrown":
            view.errors.append(json.dumps(params.get("exceptionDetails")))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            view.errors.append(params["entry"]["text"])
        elif method == "Network.requestWillBeSent":
            view.requests.append(params["request"]["url"])
    return view


def _devtools_port(browser: subprocess.Popen) -> int:
    """The port of ``DevTools listening on ws://127.0.0.1:PORT/...`` on Chromium's stderr."""
    for line in browser.stderr:
        if "DevTools listening on ws://" in line:
            # the rest of its stderr is read away, so that a chatty browser never blocks on a full pipe
            threading.Thread(target=browser.stderr.read, daemon=True).start()
            return int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    raise AssertionError(f"chromium did not start (exit code {browser.poll()})")


def build(out: Path, *options: str) -> tuple[Path, lxml.html.HtmlElement]:
    target = out.parent / f"{out.name}-report.html"
    result = CliRunner().invoke(main, ["report", str(out), "-o", str(target), *options])
    assert result.exit_code == 0, result.output
    return target, lxml.html.fromstring(target.read_bytes())


def assert_renders(report: Path, tmp_path: Path) -> BrowserView:
    view = open_in_chromium(report)
    assert view.screenshot.startswith(b"\x89PNG") and len(view.screenshot) > 20_000
    (tmp_path / "screenshot.png").write_bytes(view.screenshot)
    assert view.errors == []
    assert view.requests and all(url.startswith("file:") for url in view.requests), view.requests  # no network
    assert view.plots and all(plot["marks"] > 0 for plot in view.plots), view.plots
    return view


def sections_with_plots(page: lxml.html.HtmlElement) -> set[str]:
    return {s.get("id") for s in page.xpath("//section[figure[@class='plot']]")}


def crawl_demo_site(tmp_path: Path) -> tuple[Path, Path]:
    """A real crawl of the bundled demo site, served on 127.0.0.1: (dataset, ledger)."""
    out, state = tmp_path / "demo", tmp_path / "demo.sqlite"
    server = subprocess.Popen([sys.executable, "-m", "crawler.demo.server", str(ROOT / "crawler" / "demo" / "site"),
                               "--log", str(tmp_path / "requests.log")], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        settings = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0", "NEWSCLEAN_CLEAN_WORKERS": "1"}
        command = [sys.executable, "-m", "newsclean.crawl_cmd", f"http://127.0.0.1:{port}/", "-o", str(out),
                   "--state", str(state), "-q"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
    finally:
        server.terminate()
        server.wait(10)
    return out, state


def test_report_of_a_demo_crawl_opens_in_chromium(tmp_path: Path) -> None:
    out, state = crawl_demo_site(tmp_path)
    rows = pq.read_table(out).num_rows
    report, page = build(out, "--state", str(state))
    assert {"sites", "days", "languages", "length", "outcomes", "slowest"} <= {s.get("id") for s in page.xpath("//section")}
    assert {"sites", "days", "languages", "length", "outcomes"} <= sections_with_plots(page)
    site_bars = page.xpath("//section[@id='sites']//*[starts-with(@id, 'data-sites-')]")
    assert len(site_bars) == 1  # one site: the demo server
    outcome_bars = page.xpath("//section[@id='outcomes']//*[starts-with(@id, 'data-outcomes-')]")
    assert len(outcome_bars) >= 2  # written, not_article at least
    run_counts = {r.xpath("string(td[1])"): r.xpath("string(td[2])") for r in page.xpath("//section[@id='outcomes']//tbody/tr")}
    assert any(name.endswith("/written") and value == f"{rows:,}" for name, value in run_counts.items()), run_counts
    assert f"{rows:,} rows" in page.xpath("string(//h1/following-sibling::p[1])")
    slowest = page.xpath("//section[@id='slowest']//tbody/tr")
    assert 0 < len(slowest) <= rows and all(r.xpath("string(td[1])").startswith("http://127.0.0.1:") for r in slowest)
    assert_renders(report, tmp_path)


def test_report_of_cleaned_seeds_opens_in_chromium(tmp_path: Path) -> None:
    out = tmp_path / "seeds"
    result = CliRunner().invoke(main, ["clean", str(SEEDS), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out).num_rows
    report, page = build(out, "--inputs", str(SEEDS))
    assert {"sites", "languages", "length"} <= sections_with_plots(page)
    assert "No crawl ledger given" in page.xpath("string(//section[@id='outcomes'])")
    trimmed = page.xpath("//section[@id='trimmed']//tbody/tr")
    assert len(trimmed) == rows  # every seed row found its input file
    shares = [float(r.xpath("string(td[2])").rstrip("%")) for r in trimmed]
    assert shares == sorted(shares, reverse=True) and all(0 <= s <= 100 for s in shares)
    assert_renders(report, tmp_path)


def _dataset(path: Path, columns: dict[str, list]) -> Path:
    base = {"id": [f"id{i}" for i in range(6)], "domain": ["a.vn", "a.vn", "b.com", "b.com", "b.com", None],
            "language": ["vi", "vi", "en", "en", "en", "und"], "n_chars": [100, 250, 900, 1200, 40, 5000],
            "title": [f"title {i}" for i in range(6)]}
    path.mkdir()
    pq.write_table(pa.table({**base, **columns}), path / "part-0.parquet")
    (path / "README.md").write_text("---\nconfigs: []\n---\n", encoding="utf-8")  # a dataset card is no Parquet file
    return path


def test_every_numeric_column_is_plotted_whatever_its_name(tmp_path: Path) -> None:
    out = _dataset(tmp_path / "ds", {
        "some_new_signal": [0.1, 0.5, 0.5, 0.9, None, 0.3],
        "flagged": [True, False, False, True, True, None],
        "count_of_things": pa.array([1, 2, 3, 4, 5, 6], pa.int16()),
        "all_null": pa.array([None] * 6, pa.float32()),
        "duplicate_of": [None, None, None, "id2", "id2", None],
        "why_filtered": [None, None, "too_short", None, "too_short", None],  # few values: categories
    })
    _, page = build(out)
    plotted = sections_with_plots(page)
    assert {"columns", "duplicates", "column-why_filtered"} <= plotted
    assert "column-title" not in plotted and "column-id" not in plotted  # one value a row: not categories
    assert len(page.xpath("//section[@id='column-why_filtered']//*[starts-with(@id, 'data-why_filtered-')]")) == 2

    def marks(name: str) -> list:
        return page.xpath(f"//section[@id='columns']//*[starts-with(@id, 'data-{name}-')]")

    assert marks("some_new_signal") and marks("count_of_things")
    assert len(marks("flagged")) == 20  # a 0/1 histogram
    assert not marks("all_null") and "No row has a value in: all_null" in page.xpath("string(//section[@id='columns'])")
    copied = page.xpath("//section[@id='duplicates']//tbody/tr")
    assert [(r.xpath("string(td[1])"), r.xpath("string(td[3])")) for r in copied] == [("id2", "2")]
    # no publication times: said in words, no empty plot
    assert "days" not in plotted and "no published column" in page.xpath("string(//section[@id='days'])")


def test_a_long_span_of_days_is_plotted_per_month(tmp_path: Path) -> None:
    days = pa.array([None if d is None else d * 86_400_000_000 for d in (0, 40, 400, 800, 801, None)],
                    pa.timestamp("us", tz="UTC"))
    _, page = build(_dataset(tmp_path / "ds", {"published": days}))
    note = page.xpath("string(//section[@id='days'])")
    assert "5 of 6 rows" in note and "one bar a month" in note
    assert len(page.xpath("//section[@id='days']//*[starts-with(@id, 'data-days-')]")) == 4  # months with rows


def test_a_stray_date_does_not_squeeze_the_days_plot(tmp_path: Path) -> None:
    good = [20_000 + i % 30 for i in range(400)]  # 2024-10, a month of days
    days = pa.array([d * 86_400_000_000 for d in [0, *good]], pa.timestamp("us", tz="UTC"))  # and one 1970-01-01
    base = {"id": [f"id{i}" for i in range(len(days))], "n_chars": [100] * len(days), "published": days}
    (tmp_path / "ds").mkdir()
    pq.write_table(pa.table(base), tmp_path / "ds" / "part-0.parquet")
    _, page = build(tmp_path / "ds")
    note = page.xpath("string(//section[@id='days'])")
    assert "1970-01-01" in note and "1 rows outside" in note and "one bar a day" in note
    assert len(page.xpath("//section[@id='days']//*[starts-with(@id, 'data-days-')]")) == 30


def test_report_of_nothing_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(main, ["report", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "no Parquet files" in result.output


def test_report_help() -> None:
    result = CliRunner().invoke(main, ["report", "--help"])
    assert result.exit_code == 0 and "--state" in result.output and "--inputs" in result.output


@pytest.fixture(autouse=True, scope="module")
def _chromium_installed() -> None:
    assert Path(CHROMIUM).exists(), "chromium missing: `make services` installs Debian's package"
