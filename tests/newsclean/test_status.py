"""``newsclean status`` on a real ledger file."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from crawler.state.sqlite_ledger import SQLiteLedger
from newsclean.status_cmd import status


def make_ledger(path: Path) -> None:
    with SQLiteLedger(path) as ledger:
        run = ledger.start_run()
        ledger.discover_many((f"https://a.vn/{i}", "a.vn", None) for i in range(5))
        ledger.discover_many((f"https://b.vn/{i}", "b.vn", None) for i in range(3))
        ledger.mark_failed("https://a.vn/0", "http_500")
        ledger.mark_failed("https://a.vn/1", "http_500")
        ledger.mark_failed("https://b.vn/0", "no_article")
        ledger.mark_gone("https://a.vn/2")
        ledger.mark_fetched("https://b.vn/1", doc_id="x", content_hash="h")
        ledger.finish_run(run, {"written": 0, "http_500": 2})


def test_status_by_site(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    make_ledger(state)
    result = CliRunner().invoke(status, ["--state", str(state)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["site", "discovered", "fetched", "written", "failed", "gone", "pending"]
    assert lines[1].split() == ["a.vn", "2", "0", "0", "2", "1", "2"]
    assert lines[2].split() == ["b.vn", "1", "1", "0", "1", "0", "2"]
    assert lines[3].split() == ["total", "3", "1", "0", "3", "1", "4"]
    assert lines[4].startswith("last run: ") and "(finished)" in lines[4] and "http_500=2" in lines[4]
    assert "failures by reason:" in result.output
    assert [line.split() for line in lines[-2:]] == [["http_500", "2"], ["no_article", "1"]]


def test_status_of_one_site(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    make_ledger(state)
    result = CliRunner().invoke(status, ["--state", str(state), "--site", "b.vn"])
    assert result.exit_code == 0, result.output
    assert "a.vn" not in result.output and "total" not in result.output
    assert result.output.splitlines()[-1].split() == ["no_article", "1"]


def test_status_without_a_ledger(tmp_path: Path) -> None:
    result = CliRunner().invoke(status, ["--state", str(tmp_path / "none.sqlite")])
    assert result.exit_code == 1 and "no crawl ledger" in result.output
    assert not (tmp_path / "none.sqlite").exists()


def test_status_help() -> None:
    result = CliRunner().invoke(status, ["--help"])
    assert result.exit_code == 0 and "--state" in result.output and "--site" in result.output


def test_status_counts_the_pages_judged_not_articles(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    make_ledger(state)
    with SQLiteLedger(state) as ledger:
        ledger.mark_not_article("https://a.vn/3", "a.vn", "score=-2.5")
    result = CliRunner().invoke(status, ["--state", str(state)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].split() == ["a.vn", "1", "0", "0", "2", "1", "1"]  # left pending
    assert "not articles: 1 pages" in result.output
