"""Scheduled crawls are incremental: a re-run fetches only what is new or changed, writes each
article once, and dedup works across runs (issue 5).

Every crawl is a real ``newsclean crawl`` in a subprocess against the demo server; what was
fetched is read from the server's request log, what was written from the Parquet dataset, and
what the crawl knows from its ledger.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq

from crawler import settings as crawler_settings
from crawler.demo.articles import ARTICLES
from crawler.demo.build_site import article_path, build_site
from crawler.state.sqlite_ledger import DEFAULT_PATH, SQLiteLedger
from newsclean.status_cmd import status
from tests.crawler.conftest import REPO, CrawlRun, run_crawl, write_sites_file

ALL_ARTICLES = {article_path(a) for a in ARTICLES}
CHANGED = ARTICLES[0]
CHANGED_SENTENCE = "Các tuyến này dùng khoảng 150 xe có sức chứa từ 60 đến 80 hành khách."
NEW_SENTENCE = "Các tuyến này dùng khoảng 170 xe điện mới có sức chứa từ 60 đến 90 hành khách."


def crawl(tmp_path: Path, server, settings: dict[str, str] | None = None, **site) -> CrawlRun:
    sites = write_sites_file(tmp_path / "sites.toml", server.base, **site)
    run = run_crawl(["demo"], tmp_path / "out", {"NEWSCLEAN_SITES_FILE": str(sites), **(settings or {})})
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def article_requests(server, since: int) -> list[dict]:
    """The server's article requests after its ``since`` first log lines."""
    return [r for r in server.requests()[since:] if re.search(r"-\d{6}\.html$", r["path"])]


def ledger(tmp_path: Path) -> SQLiteLedger:
    return SQLiteLedger(f"{tmp_path / 'out'}.state.sqlite")


def rows_by_path(out: Path, server) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {}
    for row in pq.read_table(out).to_pylist():
        rows.setdefault(row["url"].removeprefix(server.base), []).append(row)
    return rows


def edit_article(site_dir: Path, old: str, new: str) -> None:
    page = site_dir / article_path(CHANGED).lstrip("/")
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new), encoding="utf-8")


def assert_consistent(tmp_path: Path, server) -> dict[str, list[dict]]:
    """Every article once in the dataset, the ledger agrees with the files."""
    rows = rows_by_path(tmp_path / "out", server)
    assert set(rows) == ALL_ARTICLES
    assert all(len(copies) == 1 for copies in rows.values()), {p: len(c) for p, c in rows.items() if len(c) > 1}
    with ledger(tmp_path) as state:
        assert state.verify(tmp_path / "out") == []
        stats = state.stats()
        assert stats.invariant_holds() and stats.pending == 0 and stats.states["written"] == len(ALL_ARTICLES)
    return rows


def test_unchanged_sitemap_means_no_article_fetched_and_newer_lastmod_one_new_row(tmp_path, site_dir, serve):
    server = serve()
    sitemap_site = {"sitemaps": ["{BASE}/sitemap-articles.xml"]}
    crawl(tmp_path, server, **sitemap_site)
    first = assert_consistent(tmp_path, server)

    before = len(server.requests())
    run = crawl(tmp_path, server, **sitemap_site)
    assert article_requests(server, before) == []  # the sitemap's lastmod says nothing changed
    assert "unchanged=12" in run.stderr and "written=0" in run.stderr

    # The site edits one article and says so in its sitemap.
    edit_article(site_dir, CHANGED_SENTENCE, NEW_SENTENCE)
    sitemap = site_dir / "sitemap-articles.xml"
    entry = f"{article_path(CHANGED)}</loc><lastmod>{CHANGED.published}"
    sitemap.write_text(sitemap.read_text(encoding="utf-8").replace(
        entry, f"{article_path(CHANGED)}</loc><lastmod>2024-07-01T09:00:00+07:00"), encoding="utf-8")
    before = len(server.requests())
    run = crawl(tmp_path, server, **sitemap_site)
    fetched = article_requests(server, before)
    assert [(r["path"], r["status"]) for r in fetched] == [(article_path(CHANGED), 200)]
    assert fetched[0].get("if-none-match")  # asked conditionally, and the page had changed
    assert "written=1" in run.stderr

    rows = assert_consistent(tmp_path, server)  # still one row per article: the old one superseded
    changed = rows[article_path(CHANGED)][0]
    assert NEW_SENTENCE in changed["text"] and CHANGED_SENTENCE not in changed["text"]
    assert changed["id"] == first[article_path(CHANGED)][0]["id"]
    assert changed["content_hash"] != first[article_path(CHANGED)][0]["content_hash"]
    assert len(list((tmp_path / "out").glob("*.parquet"))) == 2  # the first run's file, rewritten without it; the new one


def test_articles_found_without_dates_are_revalidated_with_conditional_gets(tmp_path, site_dir, serve):
    server = serve()
    linked_site = {"start_urls": ["{BASE}/"], "follow_links": True}
    crawl(tmp_path, server, **linked_site)
    assert_consistent(tmp_path, server)

    before = len(server.requests())
    run = crawl(tmp_path, server, **linked_site)
    revalidated = article_requests(server, before)
    assert {r["path"] for r in revalidated} == ALL_ARTICLES
    assert {r["status"] for r in revalidated} == {304}
    assert all(r.get("if-none-match") and r.get("if-modified-since") for r in revalidated)
    assert "not_modified=12" in run.stderr and "written=0" in run.stderr

    # Markup around the article changes (new ETag), its text does not: fetched, no new row.
    edit_article(site_dir, "Gửi bình luận", "Gửi ý kiến")
    before = len(server.requests())
    run = crawl(tmp_path, server, **linked_site)
    assert [(r["path"], r["status"]) for r in article_requests(server, before) if r["status"] != 304] == [
        (article_path(CHANGED), 200)]
    assert "written=0" in run.stderr and "unchanged=1" in run.stderr

    # Now its text changes: one new row, replacing the old one.
    edit_article(site_dir, CHANGED_SENTENCE, NEW_SENTENCE)
    run = crawl(tmp_path, server, **linked_site)
    assert "written=1" in run.stderr and "not_modified=11" in run.stderr
    rows = assert_consistent(tmp_path, server)
    assert NEW_SENTENCE in rows[article_path(CHANGED)][0]["text"]


REPUBLISHED = replace(  # the same story under another URL, byline and closing line
    CHANGED, id=101099, slug="xe-buyt-dien-ve-ngoai-thanh-dang-lai", author="Thanh Tùng",
    published="2024-06-10T08:00:00+07:00",
    paragraphs=CHANGED.paragraphs + ("Bài viết được Báo Tin Mới đăng lại từ bản tin của thông tấn xã, có bổ sung"
                                     " ý kiến người dân ở các huyện ngoại thành.",))
COPIED = replace(ARTICLES[4], id=101098, slug="gia-vang-giam-manh-dang-lai", author="Văn Nam",
                 published="2024-06-10T09:00:00+07:00")  # word for word


def test_near_and_exact_duplicates_across_runs(tmp_path, site_dir, serve):
    server = serve()
    sitemap_site = {"sitemaps": ["{BASE}/sitemap-articles.xml"]}
    crawl(tmp_path, server, **sitemap_site)
    original = rows_by_path(tmp_path / "out", server)

    build_site(site_dir, (*ARTICLES, REPUBLISHED, COPIED))  # the next day, two copies appear
    run = crawl(tmp_path, server, **sitemap_site)
    rows = rows_by_path(tmp_path / "out", server)
    near = rows[article_path(REPUBLISHED)][0]
    assert near["duplicate_of"] == original[article_path(CHANGED)][0]["id"]
    assert near["author"] == "Thanh Tùng"
    assert article_path(COPIED) not in rows  # an exact copy is not written again
    assert "near_duplicates=1" in run.stderr and "duplicate_exact=1" in run.stderr
    assert sum(len(copies) for copies in rows.values()) == len(ARTICLES) + 1
    with ledger(tmp_path) as state:
        assert state.get(server.base + article_path(COPIED))["reason"] == "duplicate_exact"
        assert state.stats().pending == 0


def test_near_duplicates_dropped_with_the_setting(tmp_path, site_dir, serve):
    build_site(site_dir, (*ARTICLES, REPUBLISHED))
    server = serve()
    run = crawl(tmp_path, server, {"NEWSCLEAN_DROP_NEAR_DUPLICATES": "True"}, sitemaps=["{BASE}/sitemap-articles.xml"])
    rows = rows_by_path(tmp_path / "out", server)
    # Which of the two is kept depends on which was cleaned first; exactly one is.
    assert len({article_path(CHANGED), article_path(REPUBLISHED)} & set(rows)) == 1
    assert len(rows) == len(ARTICLES)
    assert "duplicate_near=1" in run.stderr
    assert all(copies[0]["duplicate_of"] is None for copies in rows.values())


def test_crawl_and_status_share_the_default_state_path(tmp_path, serve):
    """Without --state both use data/state.sqlite under the working directory (a cron job's)."""
    assert crawler_settings.NEWSCLEAN_STATE == str(DEFAULT_PATH)
    server = serve()
    sites = write_sites_file(tmp_path / "sites.toml", server.base, sitemaps=["{BASE}/sitemap-articles.xml"])
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "newsclean.crawl_cmd", "demo", "-o", "data/demo",
               "-s", f"NEWSCLEAN_SITES_FILE={sites}", "-s", "NEWSCLEAN_CLEAN_WORKERS=1",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / DEFAULT_PATH).exists()

    from click.testing import CliRunner

    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(status, [])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    demo_line = next(line for line in result.output.splitlines() if line.startswith("demo"))
    assert demo_line.split() == ["demo", "0", "0", "12", "0", "0", "0"]  # discovered fetched written failed gone pending
    assert "(finished)" in result.output
