"""CleanAndWritePipeline with a real cleaner process, a real ledger and real Parquet files."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from scrapy.exceptions import DropItem

from cleaning.dataset import Dataset
from cleaning.parquet import SCHEMA
from crawler.extensions import CrawlLedger, ledger_of
from crawler.items import PageItem
from crawler.pipelines import CleanAndWritePipeline
from crawler.state.sqlite_ledger import SQLiteLedger
from tests.crawler.crawler_under_test import make_crawler

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "devset" / "vi" / "pages"
URL = "https://vnexpress.vn/bai-viet-101005.html"
LEDGER = ("crawler.extensions.CrawlLedger",)


def crawl_once(tmp_path: Path, pages: list[tuple[str, bytes]], *, ledger: bool = True) -> tuple[object, list[str]]:
    """One crawl's worth of pages through the pipeline: (the crawler, how each page ended)."""
    settings = {"NEWSCLEAN_OUT": str(tmp_path / "out"), "NEWSCLEAN_CLEAN_WORKERS": 1,
                "NEWSCLEAN_STATE": str(tmp_path / "state.sqlite") if ledger else ""}
    crawler = make_crawler(LEDGER if ledger else (), **settings)
    pipeline = CleanAndWritePipeline.from_crawler(crawler)
    pipeline.open_spider()
    outcomes = []
    try:
        for url, body in pages:
            if ledger:
                ledger_of(crawler).mark_discovered(url, "vnexpress")
            try:
                asyncio.run(pipeline.process_item(PageItem(url, "vnexpress", body, datetime.now(timezone.utc))))
                outcomes.append("kept")
            except DropItem as dropped:
                outcomes.append(str(dropped).split(":")[0])
    finally:
        pipeline.close_spider()
        if ledger:
            crawler.get_extension(CrawlLedger).spider_closed(None, "finished")  # run finished, ledger closed
    return crawler, outcomes


def stat(crawler, key: str) -> int:
    return crawler.stats.get_value(f"newsclean/{key}", 0)


@pytest.fixture(scope="module")
def article() -> bytes:
    return (PAGES / "01_vnexpress.html").read_bytes()


def test_an_article_is_cleaned_written_and_recorded(tmp_path, article):
    crawler, outcomes = crawl_once(tmp_path, [(URL, article), ("https://vnexpress.vn/empty-1.html", b"")])
    assert outcomes == ["kept", "empty"]
    rows = pq.read_table(tmp_path / "out").to_pylist()
    assert len(rows) == 1 and rows[0]["url"] == URL and rows[0]["language"] == "vi"
    assert stat(crawler, "vnexpress/cleaned") == stat(crawler, "vnexpress/written") == 1
    assert stat(crawler, "vnexpress/skipped/empty") == 1 and stat(crawler, "files_committed") == 1
    with SQLiteLedger(tmp_path / "state.sqlite") as ledger:
        assert ledger.get(URL)["state"] == "written" and ledger.get(URL)["doc_id"] == rows[0]["id"]
        assert ledger.get("https://vnexpress.vn/empty-1.html")["reason"] == "empty"
        assert ledger.verify(tmp_path / "out") == []


def test_the_same_article_twice_in_a_run_is_one_row(tmp_path, article):
    crawler, outcomes = crawl_once(tmp_path, [(URL, article), (URL, article)])
    assert outcomes == ["kept", "kept"] and stat(crawler, "vnexpress/duplicates") == 1
    assert pq.read_table(tmp_path / "out").num_rows == 1


def test_an_unchanged_article_is_not_written_again_next_run(tmp_path, article):
    crawl_once(tmp_path, [(URL, article)])
    crawler, _ = crawl_once(tmp_path, [(URL, article)])
    assert stat(crawler, "vnexpress/unchanged") == 1 and stat(crawler, "vnexpress/written") == 0
    assert pq.read_table(tmp_path / "out").num_rows == 1 and len(Dataset(tmp_path / "out").files()) == 1


def test_a_run_without_a_row_still_leaves_a_readable_dataset(tmp_path):
    crawler, outcomes = crawl_once(tmp_path, [(URL, b"\x00\x01binary" * 100)], ledger=False)
    assert outcomes == ["binary"] and stat(crawler, "vnexpress/skipped/binary") == 1
    table = pq.read_table(tmp_path / "out")
    assert table.num_rows == 0 and table.schema.equals(SCHEMA)
