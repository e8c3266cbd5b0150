"""The crawl ledger on real SQLite files and real Parquet, including writers killed mid-run."""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaning.document import Document, stable_id
from cleaning.normalize import content_hash
from cleaning.dataset import DatasetWriter
from cleaning.dataset import DatasetLock
from crawler.state.ledger import LedgerCommitHook
from crawler.state.sqlite_ledger import SQLiteLedger

SITE = "example.vn"


def url(i: int) -> str:
    return f"https://{SITE}/tin/{i}"


def make_doc(address: str, text: str | None = None) -> Document:
    text = text or f"Bài báo {address}. " * 5
    return Document(id=stable_id(address), source=address, url=address, text=text, content_hash=content_hash(text))


@pytest.fixture
def ledger(tmp_path: Path):
    with SQLiteLedger(tmp_path / "state.sqlite") as opened:
        yield opened


def writer_for(ledger: SQLiteLedger, out: Path, **options) -> DatasetWriter:
    hook = LedgerCommitHook(ledger)
    return DatasetWriter(out, before_commit=hook.before_commit, on_commit=hook.on_commit, **options)


def fetch_and_write(ledger: SQLiteLedger, writer: DatasetWriter, address: str, text: str | None = None) -> bool:
    doc = make_doc(address, text)
    if ledger.mark_fetched(address, doc_id=doc.id, content_hash=doc.content_hash, etag=f'"{doc.content_hash[:8]}"'):
        writer.write(doc)
        return True
    return False


def ids_in(out: Path) -> list[str]:
    if out.is_dir() and not any(out.glob("*.parquet")):
        return []
    return pq.read_table(out, columns=["id"])["id"].to_pylist()


# -- states ---------------------------------------------------------------------------------


def test_states_from_discovery_to_written(ledger: SQLiteLedger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert ledger.mark_discovered(url(1), SITE)
    assert ledger.get(url(1))["state"] == "discovered"
    with writer_for(ledger, out) as writer:
        fetch_and_write(ledger, writer, url(1))
        assert ledger.get(url(1))["state"] == "fetched"
    row = ledger.get(url(1))
    assert row["state"] == "written"
    assert (out / row["file"]).exists()
    assert row["doc_id"] == stable_id(url(1)) and row["attempts"] == 1 and row["written_at"]
    assert ledger.pending(SITE) == []
    assert ledger.verify(out) == []


def test_discovery_is_idempotent_and_follows_lastmod(ledger: SQLiteLedger, tmp_path: Path) -> None:
    assert ledger.mark_discovered(url(1), SITE, "2024-05-01T08:00:00+07:00")
    assert ledger.mark_discovered(url(1), SITE, "2024-05-01T08:00:00+07:00")  # still pending: fetch it
    assert ledger.discover_many([(url(1), SITE, None), (url(2), SITE, None)]) == [url(1), url(2)]
    assert ledger.stats().states["discovered"] == 2
    with writer_for(ledger, tmp_path / "out") as writer:
        fetch_and_write(ledger, writer, url(1))
    assert not ledger.mark_discovered(url(1), SITE)  # written, no lastmod: nothing new
    assert not ledger.mark_discovered(url(1), SITE, "2024-05-01T01:00:00Z")  # same instant, other zone
    assert not ledger.mark_discovered(url(1), SITE, "2024-04-30")  # older
    assert ledger.mark_discovered(url(1), SITE, "2024-05-02T09:30:00+07:00")  # changed: fetch again
    assert ledger.get(url(1))["state"] == "discovered"
    assert url(1) in ledger.pending(SITE)


def test_pending_after_a_stop_with_rows_in_the_buffer(tmp_path: Path) -> None:
    state, out = tmp_path / "state.sqlite", tmp_path / "out"
    first = SQLiteLedger(state)
    first.discover_many((url(i), SITE, None) for i in range(10))
    writer = writer_for(first, out, max_rows=4)
    for i in range(6):
        fetch_and_write(first, writer, url(i))
    first.close()  # the process dies: 2 rows in the buffer are never written, writer never closed

    second = SQLiteLedger(state)
    second.recover(out)
    assert sorted(second.pending(SITE)) == sorted(url(i) for i in range(4, 10))
    assert second.stats().states == {"discovered": 4, "fetched": 2, "written": 4, "failed": 0, "gone": 0}
    assert sorted(ids_in(out)) == sorted(stable_id(url(i)) for i in range(4))


def test_conditional_headers_only_for_rows_in_the_dataset(ledger: SQLiteLedger, tmp_path: Path) -> None:
    ledger.mark_discovered(url(1), SITE)
    assert ledger.conditional_headers(url(1)) == {}
    assert ledger.conditional_headers("https://unknown.example/") == {}
    writer = writer_for(ledger, tmp_path / "out")
    doc = make_doc(url(1))
    ledger.mark_fetched(url(1), doc_id=doc.id, content_hash=doc.content_hash, etag='"v1"',
                        last_modified="Wed, 01 May 2024 01:00:00 GMT")
    writer.write(doc)
    # Fetched but not yet in a file: a 304 now would lose the article.
    assert ledger.conditional_headers(url(1)) == {}
    writer.close()
    assert ledger.conditional_headers(url(1)) == {
        "If-None-Match": '"v1"', "If-Modified-Since": "Wed, 01 May 2024 01:00:00 GMT"
    }
    ledger.mark_not_modified(url(1))
    row = ledger.get(url(1))
    assert row["state"] == "written" and row["attempts"] == 2


def test_not_modified_without_a_row_stays_pending(ledger: SQLiteLedger) -> None:
    ledger.mark_discovered(url(1), SITE)
    ledger.mark_not_modified(url(1))
    assert ledger.pending(SITE) == [url(1)]


def test_failed_and_gone_are_counted_by_reason(ledger: SQLiteLedger) -> None:
    ledger.discover_many((url(i), SITE, None) for i in range(6))
    ledger.mark_discovered("https://other.vn/x", "other.vn")
    ledger.mark_failed(url(0), "http_500")
    ledger.mark_failed(url(1), "http_500")
    ledger.mark_failed(url(2), "no_article")
    ledger.mark_gone(url(3))
    stats = ledger.stats(SITE)
    assert stats.states == {"discovered": 2, "fetched": 0, "written": 0, "failed": 3, "gone": 1}
    assert stats.failures == {"http_500": 2, "no_article": 1}
    assert stats.invariant_holds() and stats.total == 6 and stats.pending == 2
    assert ledger.stats().total == 7
    assert ledger.retry_failed(SITE, reasons=["http_500"]) == 2
    assert sorted(ledger.pending(SITE)) == sorted([url(0), url(1), url(4), url(5)])
    with pytest.raises(KeyError):
        ledger.mark_failed("https://never.seen/", "x")


def test_retry_failed_with_a_cap_counts_failures_in_a_row(ledger: SQLiteLedger, tmp_path: Path) -> None:
    ledger.discover_many((url(i), SITE, None) for i in range(5))
    ledger.mark_discovered("https://other.vn/x", "other.vn")
    ledger.mark_failed("https://other.vn/x", "http_503")
    for i, reason in enumerate(("http_503", "timeout", "http_403", "no_article")):
        ledger.mark_failed(url(i), reason)
    ledger.mark_gone(url(4))
    transient = ["timeout", "http_5*"]
    assert ledger.retry_failed(SITE, reasons=transient, max_attempts=2) == 2  # 503 and timeout, this site only
    assert sorted(ledger.pending()) == [url(0), url(1)]
    assert ledger.get("https://other.vn/x")["state"] == "failed"
    assert ledger.get(url(2))["state"] == "failed" and ledger.get(url(4))["state"] == "gone"
    assert ledger.stats().invariant_holds()
    # Failing again: 2 failures in a row, the cap; a fetch in between would have restarted the count.
    ledger.mark_failed(url(0), "http_503")
    ledger.mark_failed(url(1), "timeout")
    assert ledger.get(url(0))["failed_attempts"] == 2 and ledger.get(url(0))["attempts"] == 2
    assert ledger.retry_failed(SITE, reasons=transient, max_attempts=2) == 0
    assert ledger.retry_failed(SITE, reasons=transient, max_attempts=3) == 2
    doc = make_doc(url(1))
    ledger.mark_fetched(url(1), doc_id=doc.id, content_hash=doc.content_hash)
    assert ledger.get(url(1))["failed_attempts"] == 0 and ledger.get(url(1))["attempts"] == 3
    ledger.mark_failed(url(0), "http_503")
    # A manual retry (no cap) takes every matching one and restarts its count.
    assert ledger.retry_failed(reasons=["http_503"]) == 2
    assert ledger.get(url(0))["failed_attempts"] == 0 and ledger.get("https://other.vn/x")["state"] == "discovered"
    assert ledger.retry_failed(SITE, reasons=[]) == 0
    assert ledger.stats().invariant_holds()


def test_reason_patterns_are_names_or_prefixes(ledger: SQLiteLedger) -> None:
    from crawler.state.ledger import reason_matches

    assert reason_matches("http_503", ["http_5*"]) and reason_matches("http_429", ["http_429"])
    assert not reason_matches("http_404", ["http_5*", "http_429"]) and not reason_matches(None, ["*"])
    assert not reason_matches("httpX503", ["http_5*"])  # ``_`` is a character, not a wildcard
    ledger.discover_many((url(i), SITE, None) for i in range(3))
    for i, reason in enumerate(("http_503", "httpX503", "http_5")):
        ledger.mark_failed(url(i), reason)
    assert ledger.retry_failed(reasons=["http_5*"], max_attempts=3) == 2
    assert ledger.get(url(1))["state"] == "failed"


def test_a_ledger_of_an_older_version_gets_the_failed_attempts_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    with SQLiteLedger(path) as old:
        old.mark_discovered(url(0), SITE)
        old.mark_failed(url(0), "timeout")
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE urls DROP COLUMN failed_attempts")  # as the previous version made it
    conn.commit()
    conn.close()
    with SQLiteLedger(path) as ledger, SQLiteLedger(path) as second:
        assert ledger.get(url(0))["failed_attempts"] == 0 == second.get(url(0))["failed_attempts"]
        assert ledger.retry_failed(SITE, reasons=["timeout"], max_attempts=1) == 1


def test_unchanged_page_is_not_written_again(ledger: SQLiteLedger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ledger.mark_discovered(url(1), SITE, "2024-05-01")
    with writer_for(ledger, out) as writer:
        assert fetch_and_write(ledger, writer, url(1), "Nội dung đầu tiên của bài báo.")
    ledger.mark_discovered(url(1), SITE, "2024-05-02")  # lastmod bumped, text the same
    with writer_for(ledger, out) as writer:
        assert not fetch_and_write(ledger, writer, url(1), "Nội dung đầu tiên của bài báo.")
    assert ledger.get(url(1))["state"] == "written"
    assert ids_in(out) == [stable_id(url(1))]


def test_changed_page_replaces_its_old_row(ledger: SQLiteLedger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ledger.discover_many((url(i), SITE, "2024-05-01") for i in range(3))
    with writer_for(ledger, out) as writer:
        for i in range(3):
            fetch_and_write(ledger, writer, url(i), f"Bài {i}, bản đầu.")
    ledger.mark_discovered(url(1), SITE, "2024-05-03")
    with writer_for(ledger, out) as writer:
        assert fetch_and_write(ledger, writer, url(1), "Bài 1, bản sửa.")
    table = pq.read_table(out)
    assert sorted(table["id"].to_pylist()) == sorted(stable_id(url(i)) for i in range(3))
    texts = dict(zip(table["id"].to_pylist(), table["text"].to_pylist()))
    assert texts[stable_id(url(1))] == "Bài 1, bản sửa."
    assert ledger.verify(out) == []


def test_single_file_output_cannot_be_committed_twice(ledger: SQLiteLedger, tmp_path: Path) -> None:
    out = tmp_path / "one.parquet"
    ledger.discover_many((url(i), SITE, None) for i in range(2))
    with writer_for(ledger, out) as writer:
        fetch_and_write(ledger, writer, url(0))
    writer = writer_for(ledger, out)
    fetch_and_write(ledger, writer, url(1))
    with pytest.raises(ValueError, match="dataset folder"):
        writer.close()
    assert ids_in(out) == [stable_id(url(0))]


# -- recovery -------------------------------------------------------------------------------


def test_recover_finishes_a_commit_whose_file_is_in_place(ledger: SQLiteLedger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ledger.discover_many((url(i), SITE, None) for i in range(3))
    writer = DatasetWriter(out, before_commit=LedgerCommitHook(ledger).before_commit)  # dies before on_commit
    for i in range(3):
        fetch_and_write(ledger, writer, url(i))
    writer.close()
    assert ledger.stats().states["fetched"] == 3
    recovery = ledger.recover(out)
    assert recovery.finished == 1 and recovery.dropped == 0
    assert ledger.stats().states["written"] == 3 and ledger.pending() == []
    assert ledger.verify(out) == []


def test_recover_drops_a_commit_whose_file_never_came(ledger: SQLiteLedger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    ledger.discover_many((url(i), SITE, None) for i in range(3))
    for i in range(3):
        doc = make_doc(url(i))
        ledger.mark_fetched(url(i), doc_id=doc.id, content_hash=doc.content_hash)
    ledger.begin_commit("part-dead-00000.parquet", [stable_id(url(i)) for i in range(3)])
    (out / ".part-dead-00000.parquet.tmp").write_bytes(b"PAR1 torn")  # killed while writing
    recovery = ledger.recover(out)
    assert recovery.dropped == 1 and recovery.swept == 1
    assert sorted(ledger.pending(SITE)) == sorted(url(i) for i in range(3))
    assert list(out.iterdir()) == []


def test_recover_quarantines_files_unknown_to_the_ledger(ledger: SQLiteLedger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    ledger.mark_discovered(url(1), SITE)
    with writer_for(ledger, out) as writer:
        fetch_and_write(ledger, writer, url(1))
    with DatasetWriter(out) as stranger:  # e.g. a state file deleted, then a crawl re-run
        stranger.write(make_doc(url(1)))
    (out / "torn.parquet").write_bytes(b"not parquet")
    assert ledger.recover(out).quarantined == 2
    assert ids_in(out) == [stable_id(url(1))]  # read_table(out) skips _quarantine/
    assert len(list((out / "_quarantine").glob("*.parquet"))) == 2
    assert ledger.verify(out) == []


def test_runs_are_recorded(ledger: SQLiteLedger) -> None:
    run = ledger.start_run(SITE)
    assert ledger.stats(SITE).last_run["status"] == "running"
    ledger.finish_run(run, {"written": 3, "http_500": 1})
    last = ledger.stats(SITE).last_run
    assert last["run_id"] == run and last["status"] == "finished" and last["counts"] == {"http_500": 1, "written": 3}


def test_two_processes_share_one_ledger(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite"
    SQLiteLedger(state).close()
    script = textwrap.dedent(
        """
        import sys
        from crawler.state.sqlite_ledger import SQLiteLedger
        ledger = SQLiteLedger(sys.argv[1])
        for i in range(200):
            ledger.mark_discovered(f"https://{sys.argv[2]}/{i}", sys.argv[2])
            if i % 2:
                ledger.mark_failed(f"https://{sys.argv[2]}/{i}", "http_500")
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", script, str(state), site]) for site in ("a.vn", "b.vn")]
    assert [proc.wait(timeout=60) for proc in procs] == [0, 0]
    with SQLiteLedger(state) as ledger:
        assert ledger.sites() == ["a.vn", "b.vn"]
        for site in ("a.vn", "b.vn"):
            assert ledger.stats(site).states["failed"] == 100 and len(ledger.pending(site)) == 100


def test_one_crawl_at_a_time_per_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"from cleaning.dataset import DatasetLock; import time\n"
         f"with DatasetLock({str(out)!r}):\n    print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"locked"
        with pytest.raises(RuntimeError, match="another crawl"):
            with DatasetLock(out):
                pass
    finally:
        holder.kill()  # SIGKILL: the kernel releases the lock
        holder.wait()
    with DatasetLock(out):
        pass
    assert ids_in(out) == []  # the lock file does not disturb readers


# -- crashes --------------------------------------------------------------------------------

N_DOCS = 800  # at 2 ms a page a run of seconds: the random stops (0.4-1.1 s) land mid-run on any box
STOPS = 6
ROWS_PER_FILE = 7

WORKER = """
import random, signal, sys, time
from cleaning.document import Document, stable_id
from cleaning.normalize import content_hash
from cleaning.dataset import DatasetWriter
from cleaning.dataset import DatasetLock
from crawler.state.ledger import LedgerCommitHook
from crawler.state.sqlite_ledger import SQLiteLedger

state, out, n, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
batch = int(sys.argv[5]) if len(sys.argv) > 5 else 0  # marks committed per batch (0: each at once)
# Graceful SIGTERM (SIGINT already raises KeyboardInterrupt): the writer's __exit__ then
# commits its buffer, so the stop can land anywhere, even inside a commit.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
lock = DatasetLock(out).__enter__()  # held until the process ends, however it ends
ledger = SQLiteLedger(state, batch_size=batch, batch_seconds=0.2)
ledger.recover(out)
run = ledger.start_run("example.vn")
urls = [f"https://example.vn/tin/{i}" for i in range(n)]
ledger.discover_many((u, "example.vn", None) for u in urls)
hook = LedgerCommitHook(ledger)
print("writing", flush=True)


# Pauses inside the protocol's windows (intent recorded / file in place, ledger not yet told),
# as a slow disk would make them, so that random stops land there too.
def before_commit(path, ids):
    hook.before_commit(path, ids)
    time.sleep(random.uniform(0, 0.01))


def on_commit(committed):
    time.sleep(random.uniform(0, 0.03))
    hook.on_commit(committed)


with DatasetWriter(out, max_rows=rows, run_id=run, before_commit=before_commit, on_commit=on_commit) as writer:
    for u in ledger.pending("example.vn"):
        i = int(u.rsplit("/", 1)[1])
        if i % 17 == 0:
            ledger.mark_failed(u, "http_500")
        elif i % 23 == 0:
            ledger.mark_gone(u)
        else:
            text = f"Bài số {i}. " * 30
            time.sleep(0.002)  # a fetch's worth of waiting: a run lasts seconds however fast the box
            doc = Document(id=stable_id(u), source=u, url=u, text=text, content_hash=content_hash(text))
            if ledger.mark_fetched(u, doc_id=doc.id, content_hash=doc.content_hash):
                writer.write(doc)
ledger.finish_run(run, {"done": 1})
"""


def expected_written() -> set[str]:
    return {stable_id(url(i)) for i in range(N_DOCS) if i % 17 and i % 23}


def check_after_stop(state: Path, out: Path) -> None:
    """What the next run sees once it has recovered: nothing lost, nothing twice, all readable."""
    with SQLiteLedger(state) as ledger:
        assert ledger.stats().invariant_holds()
        ledger.recover(out)
        assert ledger.verify(out) == []
        stats = ledger.stats()
        assert stats.invariant_holds()
        ids = ids_in(out)
        assert len(ids) == len(set(ids)) == stats.states["written"]
        assert set(ids) <= expected_written()


def run_worker(command: list[str], signum: int | None, delay: float, after_start: bool = False) -> bool:
    """Run the worker, stopped by ``signum`` ``delay`` s after it starts (or, ``after_start``,
    after it says it is writing) if still running; True if it was stopped."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stopped = False
    if signum is not None:
        if after_start:
            proc.stdout.readline()  # "writing" (or end of output: the run is over)
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signum)
            stopped = True
    _, stderr = proc.communicate(timeout=120)
    if stopped:
        assert proc.returncode in (-signum, 128 + signum, 1, 0), stderr.decode()[-3000:]
    else:
        assert proc.returncode == 0, stderr.decode()[-3000:]
    return stopped


def stop_at_random(command: list[str], signum: int, rng: random.Random, state: Path, out: Path) -> None:
    """``STOPS`` runs of the worker, each stopped by ``signum``: every other stop counted from
    its start (start-up, recovery), the rest while it writes; the ledger checked after each."""
    stops = 0
    for i in range(STOPS):
        after_start = i % 2 == 0
        delay = rng.uniform(0.0, 0.3) if after_start else rng.uniform(0.4, 1.1)
        stops += run_worker(command, signum, delay, after_start)
        check_after_stop(state, out)
    assert stops >= 2, "the stops did not land mid-run: the test proves nothing"


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_writer_stopped_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path, signum: int) -> None:
    """Stops land anywhere: start-up, recovery, discovery, fetching, inside a commit."""
    state, out, worker = tmp_path / "state.sqlite", tmp_path / "out", tmp_path / "worker.py"
    worker.write_text(WORKER)
    command = [sys.executable, str(worker), str(state), str(out), str(N_DOCS), str(ROWS_PER_FILE)]
    rng = random.Random(signum)
    stop_at_random(command, signum, rng, state, out)
    run_worker(command, None, 0)  # the next scheduled run, undisturbed, finishes the crawl
    check_after_stop(state, out)
    with SQLiteLedger(state) as ledger:
        stats = ledger.stats()
        assert ledger.pending() == []
        assert stats.states["written"] == len(expected_written())
        assert stats.states["failed"] + stats.states["gone"] == N_DOCS - len(expected_written())
    ids = pq.read_table(out)["id"].to_pylist()
    assert sorted(ids) == sorted(expected_written())


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=lambda s: s.name)
def test_batched_marks_stopped_at_random_moments_lose_and_duplicate_nothing(tmp_path: Path, signum: int) -> None:
    """The same with the crawl's batched marks: a stop may lose marks, never a row."""
    state, out, worker = tmp_path / "state.sqlite", tmp_path / "out", tmp_path / "worker.py"
    worker.write_text(WORKER)
    command = [sys.executable, str(worker), str(state), str(out), str(N_DOCS), str(ROWS_PER_FILE), "37"]
    rng = random.Random(signum + 100)
    stop_at_random(command, signum, rng, state, out)
    run_worker(command, None, 0)
    check_after_stop(state, out)
    with SQLiteLedger(state) as ledger:
        assert ledger.pending() == []
        assert ledger.stats().states["written"] == len(expected_written())
    assert sorted(pq.read_table(out)["id"].to_pylist()) == sorted(expected_written())


def test_batched_marks_are_read_back_at_once_and_committed_with_the_file(tmp_path: Path) -> None:
    state, out = tmp_path / "state.sqlite", tmp_path / "out"
    ledger = SQLiteLedger(state, batch_size=1000, batch_seconds=3600)
    other = SQLiteLedger(state)  # another connection: sees committed transactions only
    try:
        ledger.recover(out)
        ledger.discover_many((url(i), SITE, None) for i in range(4))
        writer = writer_for(ledger, out)
        assert fetch_and_write(ledger, writer, url(0)) and fetch_and_write(ledger, writer, url(1))
        ledger.mark_failed(url(2), "http_500")
        # This process reads its own marks (an unchanged page is recognised, a second
        # mark_fetched of an undiscovered URL still raises and undoes only itself).
        assert ledger.get(url(0))["state"] == "fetched" and ledger.get(url(2))["state"] == "failed"
        with pytest.raises(KeyError):
            ledger.mark_fetched(url(99), doc_id="x", content_hash="y")
        assert ledger.get(url(1))["state"] == "fetched"
        assert other.get(url(0)) is None  # not committed yet: a crash now re-discovers and re-fetches
        writer.commit()  # begin_commit and finish_commit commit the marks before them
        assert other.get(url(0))["state"] == "written" and other.get(url(2))["state"] == "failed"
        ledger.mark_gone(url(3))
        assert other.get(url(3))["state"] == "discovered"
        ledger.flush()
        assert other.get(url(3))["state"] == "gone"
        ledger.mark_not_modified(url(0))
    finally:
        ledger.close()  # commits the open batch
    assert other.get(url(0))["attempts"] == 2
    assert other.stats().invariant_holds() and other.verify(out) == []
    other.close()


def test_a_batch_is_committed_after_batch_size_marks(tmp_path: Path) -> None:
    ledger = SQLiteLedger(tmp_path / "state.sqlite", batch_size=3, batch_seconds=3600)
    other = SQLiteLedger(tmp_path / "state.sqlite")
    with ledger, other:
        ledger.mark_discovered(url(1), SITE)
        ledger.mark_discovered(url(2), SITE)
        assert other.get(url(1)) is None
        ledger.mark_discovered(url(3), SITE)
        assert [other.get(url(i))["state"] for i in (1, 2, 3)] == ["discovered"] * 3


def test_not_articles_leave_the_article_states_and_are_remembered(ledger: SQLiteLedger) -> None:
    for i in (1, 2):
        ledger.mark_discovered(url(i), SITE)
    ledger.mark_not_article(url(2), SITE, "score=-3.1")
    assert ledger.pending(SITE) == [url(1)] and ledger.get(url(2)) is None
    assert ledger.not_articles(SITE) == [url(2)] and ledger.not_articles("other.vn") == []
    stats = ledger.stats(SITE)
    assert stats.invariant_holds() and stats.failures == {}


def test_a_second_url_of_an_article_is_written_with_its_row(ledger: SQLiteLedger, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for i in (1, 2, 3):
        ledger.mark_discovered(url(i), SITE)
    doc = make_doc(url(1))
    with writer_for(ledger, out) as writer:
        fetch_and_write(ledger, writer, url(1))
        ledger.mark_duplicate(url(2), doc.id, doc.content_hash)  # before the row's file is committed
        assert ledger.get(url(2))["state"] == "fetched"
    assert not ledger.claim_doc(doc.id, url(3)) and ledger.claim_doc(doc.id, url(1))
    ledger.mark_duplicate(url(3), doc.id, doc.content_hash)      # after
    rows = [ledger.get(url(i)) for i in (1, 2, 3)]
    assert {row["state"] for row in rows} == {"written"} and len({row["file"] for row in rows}) == 1
    assert ids_in(out) == [doc.id] and ledger.verify(out) == []
    assert ledger.written_urls(SITE) == [url(1), url(2), url(3)] and ledger.stats(SITE).failures == {}
