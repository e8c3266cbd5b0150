"""Network faults (cases 1-6): every article the server mistreats is retried or not as it should be,
then counted under a named reason; the crawl finishes (a hang guard kills it otherwise) and writes
nothing partial.

One crawl covers the transport faults (they share a feed): a server that never answers, drips a
byte every 0.5 s, resets or closes mid-body, announces more bytes than it sends, or breaks its
chunked encoding. DOWNLOAD_TIMEOUT=2 and RETRY_TIMES=1 keep it short.
"""
from __future__ import annotations

import re

import pytest

from tests.faults.conftest import assert_ok, crawl
from tests.servers import FaultServer

TIMEOUT_REASONS = ("timeout",)
DATALOSS_REASONS = ("data_loss",)
TRANSPORT = {
    "hang": TIMEOUT_REASONS, "drip": TIMEOUT_REASONS,
    "reset": DATALOSS_REASONS + ("ConnectionLost", "connection_lost"),
    "close": DATALOSS_REASONS, "short": DATALOSS_REASONS,
    "badchunk": DATALOSS_REASONS, "truncchunk": DATALOSS_REASONS,
}


@pytest.fixture(scope="module")
def transport_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("transport")
    paths = ["/ok/a-100001.html"] + [f"/{mode}/a-1001{i:02d}.html" for i, mode in enumerate(TRANSPORT)]
    server = FaultServer(tmp / "server.log", {"feeds": {"f": paths}})
    try:
        run = crawl(tmp, [server.base + "/feed/f.xml"], timeout=90)
        yield run, server
    finally:
        server.stop()


def test_transport_faults_end_the_crawl_normally(transport_run):
    """Every fault ends its download (``crawl``'s hang guard kills a crawl still running at 90 s):
    the run finishes with each article accounted for."""
    run, _ = transport_run
    assert_ok(run)
    assert run.site("fetched") + sum(run.site(f"failed/{r}") for r in TIMEOUT_REASONS + DATALOSS_REASONS
                                     + ("ConnectionLost", "connection_lost")) == 1 + len(TRANSPORT)


@pytest.mark.parametrize("mode", ["hang", "drip"])
def test_no_answer_and_drip_feed_time_out_are_retried_then_counted(transport_run, mode):
    run, server = transport_run
    hits = server.hits(f"/{mode}/")
    assert len(hits) == 2  # the first try and RETRY_TIMES=1 retry
    if mode == "drip":  # each attempt given up at DOWNLOAD_TIMEOUT (2 s: 4 bytes), however slowly bytes come
        assert all(hit["sent"] <= 8 for hit in hits), hits
    assert run.failed(*TIMEOUT_REASONS) == 2  # hang and drip


@pytest.mark.parametrize("mode", ["reset", "close", "short", "badchunk", "truncchunk"])
def test_partial_bodies_are_retried_failed_and_never_written(transport_run, mode):
    run, server = transport_run
    assert len(server.hits(f"/{mode}/")) == 2
    urls = {row["url"] for row in run.rows()}
    assert not any(f"/{mode}/" in url for url in urls)


def test_partial_bodies_counted_and_good_page_written(transport_run):
    run, server = transport_run
    partial = [m for m in TRANSPORT if TRANSPORT[m] is not TIMEOUT_REASONS]
    assert run.failed(*set(DATALOSS_REASONS + ("ConnectionLost", "connection_lost"))) == len(partial)
    assert [row["url"] for row in run.rows()] == [server.base + "/ok/a-100001.html"]
    assert run.site("written") == 1
    assert run.stat("newsclean/demo/fetched") == 1  # no partial body reached the cleaner


def test_endless_503_and_429_are_retried_a_bounded_number_of_times(tmp_path, fault_server):
    # Retry-After 1 s is honoured; one hour is capped at NEWSCLEAN_RETRY_AFTER_MAX (1 s here).
    server = fault_server({"feeds": {"f": ["/status/503/ra-1/a-100001.html", "/status/429/ra-3600/a-100002.html"]}})
    run = crawl(tmp_path, [server.base + "/feed/f.xml"],
                {"RETRY_TIMES": "2", "NEWSCLEAN_RETRY_AFTER_MAX": "1"}, timeout=60)
    assert_ok(run)
    for prefix, status in (("/status/503/", 503), ("/status/429/", 429)):
        hits = server.hits(prefix)
        assert [h["status"] for h in hits] == [status] * 3  # first try + RETRY_TIMES
        # the host paused after each answer: Retry-After 1 s as asked, one hour cut to 1 s
        pauses = re.findall(rf"{re.escape(prefix)}\S+ answered {status}: pausing \S+ for (\S+) s", run.log)
        assert pauses == ["1.0"] * 3, pauses
    assert run.stat("newsclean/backoff_pauses") == 6
    assert run.site("failed/http_503") == 1 and run.site("failed/http_429") == 1
    assert run.stat("retry/max_reached") == 2
    assert run.rows() == []


def test_404_and_410_are_not_retried_and_counted(tmp_path, fault_server):
    server = fault_server({"feeds": {"f": ["/status/404/a-100001.html", "/status/410/a-100002.html"]}})
    run = crawl(tmp_path, [server.base + "/feed/f.xml"])
    assert_ok(run)
    assert len(server.hits("/status/404/")) == 1 and len(server.hits("/status/410/")) == 1
    assert run.site("failed/http_404") == 1 and run.site("failed/http_410") == 1
    assert run.rows() == []
