"""RedisLedger against a real redis-server."""
from __future__ import annotations

import time

import pyarrow as pa

from cleaning.dataset import write_table_atomically
from cleaning.parquet import SCHEMA
from crawler.state.ledger import LedgerCommitHook
from crawler.state.redis_ledger import RedisLedger

URL = "https://example.vn/a-1.html"


def ledgers(redis_url: str, lease: float = 0.5) -> tuple[RedisLedger, RedisLedger]:
    return (RedisLedger(redis_url, worker="a", lease_seconds=lease),
            RedisLedger(redis_url, worker="b", lease_seconds=lease))


def empty_table(ids: list[str]) -> pa.Table:
    rows = [{"id": i, "source": i, "text": "x", "language": "und", "language_score": 0.0, "n_chars": 1,
             "n_words": 1, "content_hash": i, "pipeline": "t"} for i in ids]
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def test_states_and_commit_protocol(redis_url, tmp_path):
    a, _ = ledgers(redis_url, lease=30)
    a.recover(tmp_path)
    assert a.mark_discovered(URL, "demo") and a.mark_discovered(URL, "demo")  # pending: still wanted
    assert a.pending("demo") == [URL] and a.pending("other") == []
    assert a.mark_fetched(URL, doc_id="d1", content_hash="h1", etag='"e"')
    path = tmp_path / "part-x-00000.parquet"
    hook = LedgerCommitHook(a)
    hook.before_commit(path, ("d1",))
    write_table_atomically(empty_table(["d1"]), path)
    assert a.finish_commit(path.name) == 1
    assert a.pending() == [] and a.stats().states["written"] == 1 and a.stats().invariant_holds()
    assert a.conditional_headers(URL)["If-None-Match"] == '"e"'
    assert not a.mark_discovered(URL, "demo")  # written, no newer date: not wanted
    assert a.mark_discovered(URL, "demo", "2100-01-01")  # a newer sitemap date: fetched again (years past 2200 are no date, cleaning.dates)
    assert not a.mark_fetched(URL, doc_id="d1", content_hash="h1")  # same text: not written twice
    a.mark_discovered("https://example.vn/gone.html", "demo")
    a.mark_gone("https://example.vn/gone.html")
    assert a.stats().states["gone"] == 1


def test_a_dead_workers_url_is_claimed_once_its_lease_lapses(redis_url):
    a, b = ledgers(redis_url)
    c = RedisLedger(redis_url, worker="c", lease_seconds=0.5)
    a.mark_discovered(URL, "demo")
    assert a.take(URL)
    assert b.claim_orphans() == []  # a is alive: its URL is not b's
    a.heartbeat()
    time.sleep(0.7)  # a stops beating (as after a SIGKILL); b and c still beat
    b.heartbeat(), c.heartbeat()
    claimed = [b.claim_orphans(), c.claim_orphans()]
    assert sorted(map(len, claimed)) == [0, 1]  # exactly one worker takes it over
    assert b.get(URL)["owner"] in ("b", "c")


def test_only_one_live_worker_writes_a_url(redis_url):
    a, b = ledgers(redis_url, lease=30)
    a.mark_discovered(URL, "demo")
    assert a.mark_fetched(URL, doc_id="d1", content_hash="h1")
    assert not b.mark_fetched(URL, doc_id="d1", content_hash="h1")  # a (alive) will write it
    a.release()  # a stops: b may take over
    assert b.mark_fetched(URL, doc_id="d1", content_hash="h1")


def test_a_dead_workers_commit_is_settled_by_the_file(redis_url, tmp_path):
    a, b = ledgers(redis_url)
    a.recover(tmp_path / "a")
    for i, name in enumerate(("in-place", "missing")):
        url = f"https://example.vn/{name}.html"
        a.mark_discovered(url, "demo")
        a.mark_fetched(url, doc_id=f"d{i}", content_hash=f"h{i}")
        a.begin_commit(f"part-{name}.parquet", [f"d{i}"], folder=tmp_path / "a")
    write_table_atomically(empty_table(["d0"]), tmp_path / "a" / "part-in-place.parquet")
    a.release()  # a dies between writing a file and finishing its commit
    assert b.settle_dead_commits() == 2
    assert b.get("https://example.vn/in-place.html")["state"] == "written"
    assert b.pending() == ["https://example.vn/missing.html"]  # fetched again by someone
    assert b.claim_orphans() == ["https://example.vn/missing.html"]


def test_transient_failures_go_back_to_pending_a_bounded_number_of_times(redis_url):
    a, b = ledgers(redis_url, lease=30)
    urls = [f"https://example.vn/{i}.html" for i in range(3)]
    for u, reason in zip(urls, ("http_503", "timeout", "http_403")):
        a.mark_discovered(u, "demo")
        a.mark_failed(u, reason)
    a.mark_discovered("https://other.vn/x.html", "other")
    a.mark_failed("https://other.vn/x.html", "http_503")
    transient = ["timeout", "http_5*"]
    assert a.retry_failed("demo", reasons=transient, max_attempts=2) == 2
    assert a.retry_failed("demo", reasons=transient, max_attempts=2) == 0  # moved once, whoever asks
    assert a.pending("demo") == urls[:2] and a.stats().invariant_holds()
    assert a.stats().failures == {"http_403": 1, "http_503": 1}  # the URLs failed now
    assert sorted(b.claim_orphans("demo")) == urls[:2]  # no owner: the first live worker takes them
    for u, reason in zip(urls, ("http_503", "timeout")):
        b.mark_failed(u, reason)
    assert b.get(urls[0])["failed_attempts"] == "2"
    assert b.retry_failed("demo", reasons=transient, max_attempts=2) == 0  # failed twice in a row: given up
    b.retry_failed("demo", reasons=["timeout"])  # a manual retry restarts the count
    assert b.get(urls[1])["failed_attempts"] == "0"
    assert b.mark_fetched(urls[1], doc_id="d1", content_hash="h1") and b.get(urls[1])["failed_attempts"] == "0"


def test_not_articles_and_duplicates(redis_url, tmp_path):
    a, b = ledgers(redis_url, lease=30)
    a.recover(tmp_path)
    second = URL.replace("a-1", "a-1-amp")
    listing = "https://example.vn/the-gioi/"
    for address in (URL, second, listing):
        a.mark_discovered(address, "demo")
    a.mark_not_article(listing, "demo", "score=-2")
    assert a.not_articles("demo") == [listing] and listing not in a.pending()
    assert a.claim_doc("d1", URL) and a.mark_fetched(URL, doc_id="d1", content_hash="h1")
    assert not b.claim_doc("d1", second)  # a (alive) is writing the row
    a.mark_duplicate(second, "d1", "h1")
    path = tmp_path / "part-x-00000.parquet"
    LedgerCommitHook(a).before_commit(path, ("d1",))
    write_table_atomically(empty_table(["d1"]), path)
    a.finish_commit(path.name)
    assert a.written_urls("demo") == sorted([URL, second]) and a.pending() == []
    assert a.stats().invariant_holds() and a.stats().failures == {}
