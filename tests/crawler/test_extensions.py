"""The crawl extensions on a configured crawler: the ledger's lifetime (lock, recovery, retries,
run record) and the progress lines."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cleaning.dataset import QUARANTINE, DatasetLock
from crawler.extensions import CrawlLedger, CrawlProgress, ledger_of
from crawler.state.sqlite_ledger import SQLiteLedger
from tests.crawler.crawler_under_test import make_crawler

LEDGER = ("crawler.extensions.CrawlLedger",)


def ledger_crawler(tmp_path: Path, **settings):
    return make_crawler(LEDGER, NEWSCLEAN_OUT=str(tmp_path / "out"), NEWSCLEAN_STATE=str(tmp_path / "state.sqlite"),
                        **settings)


def earlier_failures(tmp_path: Path) -> None:
    """An earlier run's ledger: one URL failed by a timeout twice, one by a timeout four times,
    one by a 404-like permanent reason."""
    with SQLiteLedger(tmp_path / "state.sqlite") as ledger:
        for url, reason, times in (("https://a.vn/1", "timeout", 2), ("https://a.vn/2", "timeout", 4),
                                   ("https://a.vn/3", "no_article", 1)):
            ledger.mark_discovered(url, "a.vn")
            for _ in range(times):
                ledger.mark_failed(url, reason)


def test_the_ledger_holds_the_folder_for_the_crawl_and_records_the_run(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "stray.parquet").write_bytes(b"not ours")
    crawler = ledger_crawler(tmp_path)
    extension = crawler.get_extension(CrawlLedger)
    assert ledger_of(crawler) is extension.ledger and extension.recovery.quarantined == 1
    assert (tmp_path / "out" / QUARANTINE / "stray.parquet").exists()
    with pytest.raises(RuntimeError, match="another crawl"):
        DatasetLock(tmp_path / "out").__enter__()
    crawler.stats.inc_value("newsclean/a.vn/discovered", 3)
    extension.spider_closed(None, "finished")
    with DatasetLock(tmp_path / "out"), SQLiteLedger(tmp_path / "state.sqlite") as ledger:
        run = ledger.stats().last_run
        assert run["status"] == "finished" and run["counts"]["a.vn/discovered"] == 3


def test_transient_failures_under_the_cap_go_back_to_pending_at_start(tmp_path, caplog):
    earlier_failures(tmp_path)
    caplog.set_level(logging.INFO)
    crawler = make_crawler(NEWSCLEAN_OUT=str(tmp_path / "out"), NEWSCLEAN_STATE=str(tmp_path / "state.sqlite"),
                           NEWSCLEAN_RETRY_FAILED_ATTEMPTS=3)
    crawler.spider = type("Spider", (), {"sites": [type("Site", (), {"name": "a.vn"})()]})()  # crawls a.vn
    extension = CrawlLedger.from_crawler(crawler)
    try:
        assert extension.ledger.pending("a.vn") == ["https://a.vn/1"]
        assert crawler.stats.get_value("newsclean/a.vn/retried_failed") == 1
        assert crawler.stats.get_value("newsclean/retried_failed") == 1
        assert "ledger: 1 failed URLs sent back to pending" in caplog.text
    finally:
        extension.spider_closed(None, "finished")


def test_no_retries_when_the_cap_is_zero(tmp_path):
    earlier_failures(tmp_path)
    crawler = ledger_crawler(tmp_path, NEWSCLEAN_RETRY_FAILED_ATTEMPTS=0)
    extension = crawler.get_extension(CrawlLedger)
    assert extension.retried_failed == 0 and extension.ledger.pending() == []
    extension.spider_closed(None, "finished")


@pytest.mark.parametrize("settings", [{"NEWSCLEAN_STATE": ""}, {"NEWSCLEAN_OUT": "one.parquet"}, {"NEWSCLEAN_OUT": ""}],
                         ids=["no state", "single file", "no output"])
def test_no_ledger_without_a_state_file_or_a_dataset_folder(tmp_path, settings):
    crawler = make_crawler(LEDGER, **{"NEWSCLEAN_OUT": str(tmp_path / "out"),
                                      "NEWSCLEAN_STATE": str(tmp_path / "state.sqlite"), **settings})
    assert crawler.get_extension(CrawlLedger) is None and ledger_of(crawler) is None


def test_progress_lines_per_site(caplog):
    crawler = make_crawler(("crawler.extensions.CrawlProgress",), NEWSCLEAN_PROGRESS_INTERVAL=0)
    for key, n in (("a.vn/discovered", 4), ("a.vn/written", 3), ("a.vn/skipped/robots", 1), ("b.vn/fetched", 2),
                   ("files_committed", 1)):
        crawler.stats.inc_value(f"newsclean/{key}", n)
    caplog.set_level(logging.INFO)
    crawler.get_extension(CrawlProgress).spider_closed(None, "finished")
    lines = [r.getMessage() for r in caplog.records if r.name == "crawler.extensions"]
    assert lines == ["finished (finished) a.vn: discovered=4 fetched=0 written=3 not_article=0 link_pages=0"
                     " skipped=1 (robots=1) failed=0",
                     "finished (finished) b.vn: discovered=0 fetched=2 written=0 not_article=0 link_pages=0"
                     " skipped=0 failed=0"]
