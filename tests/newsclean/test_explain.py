"""``newsclean explain``: the cleaner's own line decisions, for files and for a URL fetched politely
from a real HTTP server on 127.0.0.1 (the demo site's server)."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cleaning.document import LineDecision
from newsclean.cli import main
from newsclean.explain import NOT_EXTRACTED, merge_page_lines
from tests.conftest import ROOT, SEEDS

RULE = re.compile(r"^[a-z_]+:[a-z_]+(:.+)?$")  # family:name[:detail]
HTML_PAGE = ROOT / "tests" / "cleaning" / "fixtures" / "pages" / "en_dw.html"
DEMO_SITE = ROOT / "crawler" / "demo" / "site"
ARTICLE = "/kinh-te/gia-vang-trong-nuoc-giam-manh-101005.html"


def explain_json(target: str | Path) -> dict:
    result = CliRunner().invoke(main, ["explain", "--json", str(target)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def cleaned_rows(paths: list[Path], out: Path) -> dict[str, str]:
    """source -> text of `newsclean clean` over ``paths`` (the rows explain must agree with)."""
    result = CliRunner().invoke(main, ["clean", *map(str, paths), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    return {row["source"]: row["text"] for row in pq.read_table(out, columns=["source", "text"]).to_pylist()}


def assert_explains(explained: dict, text: str) -> None:
    removed = [line for line in explained["lines"] if not line["kept"]]
    assert all(RULE.match(line["rule"]) for line in removed), [l for l in removed if not RULE.match(l["rule"])]
    kept = [line["line"] for line in explained["lines"] if line["kept"]]
    assert kept == text.splitlines() == explained["text"].splitlines()


@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_explain_names_the_rule_of_every_removed_seed_line(seed: Path, tmp_path: Path) -> None:
    text = cleaned_rows([seed], tmp_path / "out")[seed.name]
    explained = explain_json(seed)
    assert explained["kind"] == "text" and explained["dropped"] is None
    assert_explains(explained, text)
    dump_lines = [line for line in seed.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(explained["lines"]) <= len(dump_lines)  # lines of the dump (re-joined when it was wrapped), in order


def test_explain_of_an_html_page_shows_its_visible_lines(tmp_path: Path) -> None:
    text = cleaned_rows([HTML_PAGE], tmp_path / "out")[HTML_PAGE.name]
    explained = explain_json(HTML_PAGE)
    assert explained["kind"] == "html"
    assert_explains(explained, text)
    rules = {line["rule"] for line in explained["lines"]}
    assert NOT_EXTRACTED in rules  # the menus and footers trafilatura left out are shown, in their place
    assert len(explained["lines"]) > len(text.splitlines())


def test_a_dropped_page_is_explained_by_its_reason(tmp_path: Path) -> None:
    menu = tmp_path / "menu.txt"
    menu.write_text("Trang chủ\nThời sự\nThế giới\nKinh doanh\nĐăng nhập\n", encoding="utf-8")
    explained = explain_json(menu)
    assert explained["dropped"] == "no_article" and explained["text"] is None
    assert [(l["line"], l["rule"]) for l in explained["lines"]] == [
        (line, "dropped:no_article") for line in menu.read_text(encoding="utf-8").splitlines()]


def test_colours_only_when_asked_or_on_a_terminal() -> None:
    seed = sorted(SEEDS.glob("*.txt"))[1]
    plain = CliRunner().invoke(main, ["explain", str(seed)])
    assert plain.exit_code == 0 and "\x1b[" not in plain.output  # CliRunner is not a terminal
    lines = plain.output.splitlines()
    assert lines[0].startswith(f"{seed} [text]: row (vi);") and "removed" in lines[0]
    assert all(line.startswith(("+ ", "- ")) for line in lines[1:])
    assert all(RULE.match(line.rsplit("  [", 1)[1].rstrip("]")) for line in lines[1:] if line.startswith("- "))
    coloured = CliRunner().invoke(main, ["explain", "--color", str(seed)])
    assert "\x1b[31m" in coloured.output and "\x1b[32m" in coloured.output


def test_merge_puts_each_decision_in_its_place_on_the_page() -> None:
    page = ["Home | News", "Gold falls", "First paragraph.", "Second", "paragraph.", "Related", "Footer"]
    decisions = [LineDecision("Gold falls", "structure:title"), LineDecision("First paragraph."),
                 LineDecision("Second paragraph."), LineDecision("Related", "lexicon:related_heading:related")]
    merged = [(line.line, line.rule) for line in merge_page_lines(page, decisions)]
    assert merged == [("Home | News", NOT_EXTRACTED), ("Gold falls", "structure:title"), ("First paragraph.", None),
                      ("Second paragraph.", None), ("Related", "lexicon:related_heading:related"),
                      ("Footer", NOT_EXTRACTED)]
    # a menu word that also stands inside a paragraph is still shown as not extracted
    page = ["News", "Business", "Business leaders met on Monday to discuss the rates,", "said the report.", "Contact"]
    decisions = [LineDecision("Business leaders met on Monday to discuss the rates, said the report.")]
    merged = [(line.line, line.rule) for line in merge_page_lines(page, decisions)]
    assert merged == [("News", NOT_EXTRACTED), ("Business", NOT_EXTRACTED), (decisions[0].line, None),
                      ("Contact", NOT_EXTRACTED)]


def test_explain_help_and_bad_targets(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["explain", "--help"])
    assert result.exit_code == 0 and "--json" in result.output and "PATH|URL" in result.output
    assert CliRunner().invoke(main, ["explain", str(tmp_path / "missing.txt")]).exit_code == 2
    assert CliRunner().invoke(main, ["explain", "ftp://127.0.0.1/x"]).exit_code == 2


# ----------------------------------------------------------------------------- URLs
class Server:
    """crawler/demo/server.py on 127.0.0.1 (ephemeral port), its request log, optional faults."""

    def __init__(self, tmp_path: Path, faults: list[dict] | None = None) -> None:
        self.log = tmp_path / "requests.log"
        command = [sys.executable, "-m", "crawler.demo.server", str(DEMO_SITE), "--log", str(self.log)]
        if faults:
            (tmp_path / "faults.json").write_text(json.dumps(faults), encoding="utf-8")
            command += ["--faults", str(tmp_path / "faults.json")]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self.base = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def paths(self, expected: int) -> list[str]:
        """The paths requested, once ``expected`` are logged (the server logs a request after answering it)."""
        deadline = time.monotonic() + 10
        while len(self._requests()) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # and any request beyond them
        return [r["path"] for r in self._requests()]

    def user_agents(self) -> set[str]:
        return {r["user-agent"] for r in self._requests()}

    def _requests(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()] if self.log.exists() else []


@pytest.fixture
def server(tmp_path: Path) -> Iterator:
    servers: list[Server] = []

    def start(faults: list[dict] | None = None) -> Server:
        servers.append(Server(tmp_path, faults))
        return servers[-1]

    yield start
    for running in servers:
        running.process.terminate()
        running.process.wait(10)


def test_explain_a_url_reads_robots_then_fetches_the_page_once(server, tmp_path: Path) -> None:
    site = server()
    explained = explain_json(site.base + ARTICLE)
    assert explained["kind"] == "html" and explained["source"] == site.base + ARTICLE
    assert explained["title"] and explained["text"]
    assert site.paths(2) == ["/robots.txt", ARTICLE]
    assert all(agent.startswith("newsclean/") for agent in site.user_agents())
    saved = tmp_path / "page.html"  # the same page as a file: the same row text
    saved.write_bytes((DEMO_SITE / ARTICLE.lstrip("/")).read_bytes().replace(b"{{BASE}}", site.base.encode()))
    assert explained["text"] == explain_json(saved)["text"]


def test_explain_refuses_a_url_robots_txt_disallows(server) -> None:
    site = server()
    result = CliRunner().invoke(main, ["explain", site.base + "/admin/bai-nhap-109998.html"])
    assert result.exit_code == 1 and "refused" in result.output and "disallows" in result.output
    assert site.paths(1) == ["/robots.txt"]  # the page itself never asked for


def test_explain_refuses_a_site_whose_robots_txt_fails(server) -> None:
    site = server([{"path": "^/robots\\.txt$", "status": 503}])
    result = CliRunner().invoke(main, ["explain", site.base + ARTICLE])
    assert result.exit_code == 1 and "answered 503" in result.output
    assert site.paths(1) == ["/robots.txt"]


def test_explain_reports_a_redirect_without_following_it(server) -> None:
    site = server([{"path": "^/moved$", "status": 301, "headers": {"Location": "/elsewhere"}}])
    result = CliRunner().invoke(main, ["explain", site.base + "/moved"])
    assert result.exit_code == 1 and "redirects (301)" in result.output and "/elsewhere" in result.output
    assert site.paths(2) == ["/robots.txt", "/moved"]
