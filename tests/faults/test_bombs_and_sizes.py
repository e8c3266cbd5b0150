"""Compression bombs and huge bodies (cases 12, 13, 16, 17): DOWNLOAD_MAXSIZE holds after
decompression and without a Content-Length; the download is aborted, the page counted, and the
crawl's memory (RSS of the crawl's whole process tree) stays far below the bomb's size."""
from __future__ import annotations

import pytest

from tests.faults.conftest import assert_ok, crawl
from tests.servers import FaultServer

MB = 1024 * 1024
BOMB_MB = 1024           # each bomb inflates to 1 GiB
RSS_LIMIT = 600 * MB     # a crawl with its cleaning worker takes ~250 MB; one inflated bomb alone would be 1 GiB


@pytest.fixture(scope="module")
def bomb_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bombs")
    fifty = tmp / "fifty.html"
    with open(fifty, "wb") as handle:  # a 50 MB page with a single 11 MB text node in it
        handle.write(b"<html><body><article><h1>T</h1><p>" + b"chu " * (11 * MB // 4) + b"</p>")
        handle.write(b"<p>" + b"x" * 65000 + b"</p>" * 1)
        handle.write(b"<div>abc</div>" * ((50 * MB - handle.tell()) // 14) + b"</article></body></html>")
    paths = [f"/bomb/{enc}/a-1000{i}1.html" for i, enc in enumerate(("gzip", "deflate", "br", "zstd"))]
    paths += ["/big/cl/a-200001.html", "/big/nocl/a-200002.html", "/content/fifty/a-200003.html", "/ok/a-300001.html"]
    server = FaultServer(tmp / "server.log", {"feeds": {"f": paths}, "bomb_mb": BOMB_MB,
                                              "content": {"fifty": {"file": str(fifty)}}})
    try:
        yield crawl(tmp, [server.base + "/feed/f.xml"], {"DOWNLOAD_TIMEOUT": "20"}, timeout=150), server
    finally:
        server.stop()


def test_bombs_and_huge_bodies_are_aborted_and_counted(bomb_run):
    run, server = bomb_run
    assert_ok(run)
    # The four bombs: refused by HttpCompressionMiddleware once 10 MiB are inflated.
    assert "exceeded DOWNLOAD_MAXSIZE (10485760 B) during decompression" in run.stderr
    assert run.stderr.count("during decompression") == 4
    # 4 bombs stopped while inflating, plus the 100 MB bodies (with and without Content-Length)
    # and the 50 MB page cancelled at DOWNLOAD_MAXSIZE: all counted as too_large.
    assert run.failed("too_large") == 7
    assert [r["url"] for r in run.rows()] == [server.base + "/ok/a-300001.html"]


def test_huge_bodies_are_not_read_to_the_end(bomb_run):
    run, server = bomb_run
    for prefix in ("/big/cl/", "/big/nocl/"):
        for hit in server.hits(prefix):
            assert hit["sent"] < 60 * MB, hit  # the client hung up long before 100 MB
    assert all(len(server.hits(p)) == 1 for p in ("/big/cl/", "/big/nocl/", "/content/fifty/"))  # not retried


def test_crawl_memory_stays_bounded(bomb_run):
    run, _ = bomb_run
    assert 0 < run.peak_rss < RSS_LIMIT, run.peak_rss / MB


def test_raised_maxsize_lets_the_cleaner_refuse_the_page(tmp_path, fault_server):
    # With DOWNLOAD_MAXSIZE at 64 MB, the 50 MB page reaches the cleaner, which refuses it unparsed.
    page = tmp_path / "page.html"
    page.write_bytes(b"<html><body><p>" + b"chu " * (12 * MB // 4) + b"</p></body></html>")  # an 12 MB text node
    server = fault_server({"feeds": {"f": ["/content/p/a-100001.html"]}, "content": {"p": {"file": str(page)}}})
    run = crawl(tmp_path, [server.base + "/feed/f.xml"], {"DOWNLOAD_MAXSIZE": str(64 * MB)})
    assert_ok(run)
    assert run.site("skipped/too_large") == 1 and run.rows() == []
