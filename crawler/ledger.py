"""The crawl ledger: what was discovered, fetched, written and failed, per URL, in SQLite.

The ledger, not Scrapy's JOBDIR, is the source of truth of a crawl. At start the crawler calls
``recover(out_dir)`` and re-enqueues ``pending(site)``; whatever a previous run did or did not
finish, nothing is lost and nothing is written twice. One crawl writes to a dataset folder at a
time: hold ``OutputLock(out_dir)`` around recovery and the whole crawl.

URL states::

    discovered --fetch--> fetched --file committed--> written
        |                    |                           |  (sitemap lastmod newer: back to
        +--> failed / gone <-+                           |   discovered, fetched again)
        ^----------------------- 304 Not Modified -------+ (stays written)

    failed --next run starts, transient reason, failed_attempts < cap--> discovered

``failed`` means "finished without a row": a fetch error, or a page the cleaning stages
dropped (the reason tells which). ``pending`` = discovered + fetched; those are re-enqueued.
``gone`` (404/410) is final. A failed URL is otherwise final too, except that at the start of
a run ``retry_failed(site, reasons, max_attempts)`` sends the ones whose reason is transient
(a timeout, a dropped connection, a 5xx or 429: ``NEWSCLEAN_RETRY_FAILED_REASONS``) and whose
``failed_attempts`` is below the cap (``NEWSCLEAN_RETRY_FAILED_ATTEMPTS``) back to
``discovered``, so they are re-enqueued with the pending ones (see
``crawler.extensions.CrawlLedger``). ``failed_attempts`` counts the fetch outcomes in a row
that ended ``failed`` (one per run: Scrapy's own retries within a run are one outcome) and is
reset by a fetch or a 304; ``attempts`` counts every fetch outcome of the URL's life, so it
cannot be the cap: an article revalidated with a 304 every hour would exhaust it.

Commit protocol (ties Parquet files to ledger rows; ``LedgerCommitHook`` plugs it into
``cleaning.parquet.DatasetWriter``):

1. ``begin_commit(file, ids)``: an intent row, state ``pending``, durable before the file exists.
2. The writer writes the file atomically (tmp, fsync, rename, fsync folder).
3. ``finish_commit(file)``: in ONE transaction the commit becomes ``done`` and its URLs ``written``.

``recover(out_dir)`` at start-up settles whatever a stop interrupted: a pending commit whose
file is in place and readable is finished, one whose file is missing is dropped (its URLs are
still ``fetched``, hence pending, and will be fetched again); ``.*.parquet.tmp`` files are swept;
a Parquet file the ledger does not know is moved to ``OUT/_quarantine/`` (pyarrow skips
``_``-prefixed folders) rather than deleted, since it may be someone's data. Finally, when an
id is in two done files (an article re-fetched because it changed, or a writer interrupted
between writing a file and forgetting its buffer), the older copy is removed by rewriting
the older file atomically: every id is in exactly one file.

Durability: WAL with ``synchronous=FULL`` by default (each transaction is fsynced when it
commits). The ledger is shared between processes through SQLite's locking, with a busy timeout.

Batched marks (``batch_size`` > 0; the crawl uses it, see ``crawler.extensions.CrawlLedger``):
the per-page marks (``mark_discovered``, ``discover_many``, ``mark_fetched``,
``mark_not_modified``, ``mark_failed``, ``mark_gone``) go into one open transaction, each in its
own savepoint (an operation that fails undoes only itself), committed after ``batch_size`` marks,
after ``batch_seconds`` (checked at each mark, and by ``flush()``, which the crawl calls every
second), at ``close()``, and before every other write: ``begin_commit``, ``finish_commit`` and the
rest of the commit protocol and recovery commit at once, durably, *together with the marks
buffered before them* (a transaction is atomic and WAL commits are ordered: a later commit
never survives without an earlier one). The marks read back in this process see the buffered
writes (same connection). Why a crash stays safe: what a crash can lose is only the marks of
the open batch, and each lost mark only makes the next run do work again, never loses or
duplicates a row:

* a lost ``mark_fetched`` leaves the URL in its earlier state (discovered or fetched: pending,
  fetched again; written: its row is the one in the dataset, unchanged). Its Document cannot
  be in a file: a Document reaches a file only through ``begin_commit``, which commits the
  batch holding its ``mark_fetched`` before the file is written (and ``finish_commit`` can
  only mark ``written`` URLs whose ``fetched`` state it sees);
* a lost ``mark_failed`` / ``mark_gone`` / ``mark_not_modified`` leaves the URL pending (or
  written with its row current): fetched again;
* a lost ``mark_discovered`` leaves no row at all for the URL, so nothing of it is in the
  dataset; the sitemap, feed or link that gave it gives it again next run.

``retry_failed`` is one transaction committed at once, like the commit protocol. It only moves
``failed`` URLs to ``discovered`` (the invariant ``total = written + failed + gone + pending``
holds): a crash after it leaves them pending, fetched by the next run as if just discovered;
a crash before it leaves them failed, retried by the next run's start. It never increments
``failed_attempts`` (only a recorded failure does), so a crash loop does not spend the cap,
and a lost ``mark_failed`` leaves the URL pending, fetched again, as above.

The same argument makes ``synchronous=NORMAL`` safe (a power cut may lose the last
transactions, never corrupts the database): a lost ``begin_commit`` leaves its file unknown
(quarantined by ``recover``, its URLs still pending), a lost ``finish_commit`` leaves a pending
commit whose file is in place (finished by ``recover``). FULL is kept because the rewrite of an
older file by ``remove_superseded`` must not outlive the ledger's record of the newer file;
with batching there are few transactions left to fsync anyway (one per batch or file commit).
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaning.dataset import CommittedFile, sweep_temporary, write_table_atomically
from crawler.discovery import parse_date

log = logging.getLogger(__name__)

DEFAULT_PATH = Path("data/state.sqlite")
STATES = ("discovered", "fetched", "written", "failed", "gone")
PENDING_STATES = ("discovered", "fetched")
QUARANTINE = "_quarantine"

SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('discovered', 'fetched', 'written', 'failed', 'gone')),
    reason TEXT,
    etag TEXT,
    last_modified TEXT,
    lastmod TEXT,
    content_hash TEXT,
    doc_id TEXT,
    file TEXT,
    discovered_at REAL NOT NULL,
    fetched_at REAL,
    written_at REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS urls_site_state ON urls (site, state);
CREATE INDEX IF NOT EXISTS urls_doc_id ON urls (doc_id);
CREATE TABLE IF NOT EXISTS commits (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    file TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    n_rows INTEGER NOT NULL,
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE TABLE IF NOT EXISTS commit_rows (
    file TEXT NOT NULL REFERENCES commits (file) ON DELETE CASCADE,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (file, doc_id)
);
CREATE INDEX IF NOT EXISTS commit_rows_doc_id ON commit_rows (doc_id);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS not_articles (
    url TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    reason TEXT,
    judged_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS not_articles_site ON not_articles (site);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    site TEXT,
    started_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL DEFAULT 'running',
    counts TEXT
);
"""


@dataclass
class Stats:
    """Counts per state (``pending`` = discovered + fetched), last run, failures by reason."""

    states: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    last_run: dict | None = None

    @property
    def total(self) -> int:
        return sum(self.states.get(state, 0) for state in STATES)

    @property
    def pending(self) -> int:
        return sum(self.states.get(state, 0) for state in PENDING_STATES)

    def invariant_holds(self) -> bool:
        """Every URL discovered is written, failed, gone or pending: none vanishes."""
        finished = sum(self.states.get(state, 0) for state in ("written", "failed", "gone"))
        return self.total == finished + self.pending


@dataclass(frozen=True)
class Recovery:
    """What ``recover`` settled."""

    finished: int = 0  # pending commits whose file was in place: now done
    dropped: int = 0  # pending commits whose file was missing or unreadable: URLs fetched again
    swept: int = 0  # .*.parquet.tmp files deleted
    quarantined: int = 0  # Parquet files unknown to the ledger, moved to OUT/_quarantine
    superseded: int = 0  # older copies of re-written ids removed


class Ledger(ABC):
    """What the crawler needs from a ledger; SQLite now, Redis for distributed crawls later."""

    @abstractmethod
    def mark_discovered(self, url: str, site: str, lastmod: str | None = None) -> bool:
        """Record ``url`` (idempotent); True when it needs fetching (new, pending, or changed)."""

    @abstractmethod
    def pending(self, site: str | None = None) -> list[str]:
        """Every URL discovered but not finished: enqueue them all at start."""

    @abstractmethod
    def conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since, only for a URL whose row is in the dataset."""

    @abstractmethod
    def mark_fetched(
        self,
        url: str,
        *,
        doc_id: str,
        content_hash: str,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> bool:
        """Record a fetched page; True when its Document must be written (new or changed)."""

    @abstractmethod
    def mark_not_modified(self, url: str) -> None:
        """A 304: the row in the dataset is still current."""

    def mark_failed(self, url: str, reason: str) -> None:
        """Finished without a row: fetch error or a page the stages dropped."""
        self._finish(url, "failed", reason)

    def mark_gone(self, url: str) -> None:
        """404 / 410."""
        self._finish(url, "gone", None)

    @abstractmethod
    def mark_not_article(self, url: str, site: str, reason: str) -> None:
        """A candidate whose page is not an article (a listing, category, tag page...): it leaves
        the article states (no longer pending, never failed) and is remembered per site, so that
        later runs fetch it only for its links, and learn its URL shape."""

    @abstractmethod
    def mark_duplicate(self, url: str, doc_id: str, content_hash: str) -> None:
        """A second URL of an article already cleaned (same ``doc_id``): written with that row
        (at once when its file is committed, else when it is), never written twice, not failed."""

    @abstractmethod
    def claim_doc(self, doc_id: str, url: str) -> bool:
        """May ``url`` write the row ``doc_id``? False when another URL already holds it (its row
        is written, or, in a distributed crawl, a live worker is writing it): ``url`` is then a
        duplicate (``mark_duplicate``)."""

    @abstractmethod
    def not_articles(self, site: str) -> list[str]:
        """The URLs of ``site`` judged not to be articles."""

    @abstractmethod
    def written_urls(self, site: str, limit: int | None = None) -> list[str]:
        """The URLs of ``site`` written as articles (their shapes are learned as article shapes);
        ``limit``: at most that many, the most recently written (a sample is enough for shapes)."""

    @abstractmethod
    def _finish(self, url: str, state: str, reason: str | None) -> None:
        """Put a discovered URL in a final state without a row (KeyError if it is unknown)."""

    @abstractmethod
    def begin_commit(self, file: str, ids: Iterable[str]) -> None:
        """Record the intent to write ``file`` holding ``ids``, before it is written."""

    @abstractmethod
    def finish_commit(self, file: str) -> int:
        """``file`` is in place: commit done and its URLs written, atomically."""

    @abstractmethod
    def recover(self, out_dir: str | Path) -> Recovery:
        """Settle what a stop interrupted; call before the crawl starts."""

    @abstractmethod
    def stats(self, site: str | None = None) -> Stats:
        """Counts per state, failures by reason, last run."""

    @abstractmethod
    def retry_failed(self, site: str | None = None, reasons: Iterable[str] | None = None,
                     max_attempts: int | None = None) -> int:
        """Send ``failed`` URLs back to ``discovered`` (pending: the next crawl fetches them).

        ``site``: only that site's. ``reasons``: only those failed for one of these reasons
        (``reason_matches``: exact names, or prefixes ending in ``*`` such as ``http_5*``);
        None: any reason. ``max_attempts``: only those with fewer ``failed_attempts`` (failures
        in a row) than that, and the count is kept, so a URL that keeps failing is given up
        after ``max_attempts`` tries (what a crawl does at start); None: all of them, and their
        count starts again (a manual retry, e.g. after a site outage). Returns how many.
        """


def reason_matches(reason: str | None, patterns: Iterable[str]) -> bool:
    """Whether a failure ``reason`` is one of ``patterns``: exact names, or prefixes ending in
    ``*`` (``http_5*`` matches ``http_500`` and ``http_503``)."""
    if not reason:
        return False
    return any(reason.startswith(p[:-1]) if p.endswith("*") else reason == p for p in patterns)


def _reasons_sql(patterns: list[str]) -> tuple[str, list]:
    """``reason_matches`` as an SQL condition on ``reason``, and its parameters."""
    exact = [p for p in patterns if not p.endswith("*")]
    prefixes = [p[:-1] for p in patterns if p.endswith("*")]
    clauses: list[str] = []
    params: list = []
    if exact:
        clauses.append(f"reason IN ({', '.join('?' * len(exact))})")
        params.extend(exact)
    for prefix in prefixes:  # not LIKE: ``_`` would be a wildcard there
        clauses.append("substr(reason, 1, ?) = ?")
        params.extend((len(prefix), prefix))
    return ("(" + " OR ".join(clauses) + ")" if clauses else "0"), params


def _now() -> float:
    return time.time()


def parse_time(value: str | None) -> datetime | None:
    """A sitemap lastmod (W3C datetime) or an HTTP date, as an aware UTC datetime; None if unparseable."""
    parsed = parse_date(value, naive=timezone.utc)
    return parsed.astimezone(timezone.utc) if parsed else None


def _is_newer(lastmod: str | None, known_lastmod: str | None, fetched_at: float | None) -> bool:
    """Whether a sitemap ``lastmod`` says the page changed since it was fetched."""
    new = parse_time(lastmod)
    if new is None:
        return False
    known = parse_time(known_lastmod)
    if known is not None:
        return new > known
    return fetched_at is None or new.timestamp() > fetched_at


class SQLiteLedger(Ledger):
    """The ledger in one SQLite file (default ``data/state.sqlite``).

    One connection per instance, guarded by a lock so that a Scrapy thread pool may share it;
    other processes share the file through SQLite's locking (``busy_timeout``).
    """

    def __init__(
        self,
        path: str | Path = DEFAULT_PATH,
        *,
        synchronous: str = "FULL",
        busy_timeout_ms: int = 30_000,
        batch_size: int = 0,
        batch_seconds: float = 1.0,
    ) -> None:
        self.path = Path(path)
        self.batch_size = batch_size  # 0: every mark is its own committed transaction
        self.batch_seconds = batch_seconds
        self._batch_marks = 0  # marks in the open batch
        self._batch_started: float | None = None  # monotonic time the open batch began; None: no batch
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            self.path, timeout=busy_timeout_ms / 1000, isolation_level=None, check_same_thread=False
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        if synchronous.upper() not in ("FULL", "NORMAL"):
            raise ValueError("synchronous must be FULL or NORMAL")
        self._conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.executescript(SCHEMA)
        self._migrate()

    def _migrate(self) -> None:
        """Add the columns a ledger made by an older version lacks (``failed_attempts``: 0)."""
        columns = {row["name"] for row in self._query("PRAGMA table_info(urls)")}
        if "failed_attempts" not in columns:
            try:
                with self._transaction() as conn:
                    conn.execute("ALTER TABLE urls ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0")
            except sqlite3.OperationalError as exc:  # another process added it meanwhile
                if "duplicate column" not in str(exc):
                    raise

    # -- plumbing -------------------------------------------------------------------------

    @contextmanager
    def _transaction(self, mark: bool = False) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so no deadlock upgrades.

        ``mark``: a per-page mark, which may wait in the open batch (see the module docstring);
        any other write commits the batch with it.
        """
        with self._lock:
            if self._batch_started is None and mark and self.batch_size > 0:
                self._conn.execute("BEGIN IMMEDIATE")
                self._batch_started, self._batch_marks = time.monotonic(), 0
            if self._batch_started is not None:
                self._conn.execute("SAVEPOINT op")
                try:
                    yield self._conn
                    self._conn.execute("RELEASE op")
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK TO op")
                        self._conn.execute("RELEASE op")
                    raise
                self._batch_marks += 1
                if (not mark or self._batch_marks >= self.batch_size
                        or time.monotonic() - self._batch_started >= self.batch_seconds):
                    self._commit_batch()
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                # Also reached when a signal handler raises between two statements
                # (SIGINT, a graceful SIGTERM): never leave the connection in a transaction.
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: Iterable = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, tuple(params)).fetchall()

    def _commit_batch(self) -> None:
        self._batch_started = None
        if self._conn.in_transaction:
            self._conn.execute("COMMIT")

    def flush(self) -> None:
        """Commit the open batch of marks, if any."""
        with self._lock:
            if self._batch_started is not None:
                self._commit_batch()

    def close(self) -> None:
        with self._lock:
            if self._batch_started is not None:
                self._commit_batch()
            self._conn.close()

    def __enter__(self) -> "SQLiteLedger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str) -> dict | None:
        """The ledger row of ``url`` as a dict, or None."""
        rows = self._query("SELECT * FROM urls WHERE url = ?", (url,))
        return dict(rows[0]) if rows else None

    # -- discovery and fetching -----------------------------------------------------------

    def mark_discovered(self, url: str, site: str, lastmod: str | None = None) -> bool:
        with self._transaction(mark=True) as conn:
            return self._discover(conn, url, site, lastmod)

    def discover_many(self, entries: Iterable[tuple[str, str, str | None]]) -> list[str]:
        """``mark_discovered`` for many ``(url, site, lastmod)`` in one transaction (a sitemap);
        returns the URLs that need fetching."""
        with self._transaction(mark=True) as conn:
            return [url for url, site, lastmod in entries if self._discover(conn, url, site, lastmod)]

    def _discover(self, conn: sqlite3.Connection, url: str, site: str, lastmod: str | None) -> bool:
        row = conn.execute(
            "SELECT state, lastmod, fetched_at FROM urls WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO urls (url, site, state, lastmod, discovered_at) VALUES (?, ?, 'discovered', ?, ?)",
                (url, site, lastmod, _now()),
            )
            return True
        if row["state"] in PENDING_STATES:
            if lastmod:
                conn.execute("UPDATE urls SET lastmod = ? WHERE url = ?", (lastmod, url))
            return True
        if row["state"] == "written" and _is_newer(lastmod, row["lastmod"], row["fetched_at"]):
            conn.execute(
                "UPDATE urls SET state = 'discovered', lastmod = ? WHERE url = ?", (lastmod, url)
            )
            return True
        return False

    def pending(self, site: str | None = None) -> list[str]:
        sql = "SELECT url FROM urls WHERE state IN ('discovered', 'fetched')"
        params: tuple = ()
        if site is not None:
            sql += " AND site = ?"
            params = (site,)
        return [row["url"] for row in self._query(sql + " ORDER BY discovered_at, url", params)]

    def conditional_headers(self, url: str) -> dict[str, str]:
        # Only for a URL whose current row is in the dataset (written, or written and then
        # re-discovered with a newer lastmod): a 304 for a page fetched but never committed
        # (killed before its file was) would lose the article, or its update, for good.
        rows = self._query(
            "SELECT etag, last_modified, fetched_at FROM urls WHERE url = ? AND state = 'written'"
            " OR (url = ? AND state = 'discovered' AND file IS NOT NULL)",
            (url, url),
        )
        if not rows:
            return {}
        headers = {}
        if rows[0]["etag"]:
            headers["If-None-Match"] = rows[0]["etag"]
        if rows[0]["last_modified"]:
            headers["If-Modified-Since"] = rows[0]["last_modified"]
        elif rows[0]["fetched_at"]:
            when = datetime.fromtimestamp(rows[0]["fetched_at"], tz=timezone.utc)
            headers["If-Modified-Since"] = format_datetime(when, usegmt=True)
        return headers

    def mark_fetched(
        self,
        url: str,
        *,
        doc_id: str,
        content_hash: str,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> bool:
        with self._transaction(mark=True) as conn:
            row = conn.execute(
                "SELECT state, content_hash, doc_id, file FROM urls WHERE url = ?", (url,)
            ).fetchone()
            if row is None:
                raise KeyError(f"mark_fetched of an undiscovered URL: {url}")
            # Unchanged: same text as the row in the dataset. In state 'fetched' the stored hash
            # is that of an attempt never committed, so it proves nothing.
            unchanged = (
                row["state"] in ("written", "discovered")
                and row["file"] is not None
                and row["content_hash"] == content_hash
                and row["doc_id"] == doc_id
            )
            state = "written" if unchanged else "fetched"
            conn.execute(
                "UPDATE urls SET state = ?, reason = NULL, doc_id = ?, content_hash = ?, etag = ?,"
                " last_modified = ?, fetched_at = ?, attempts = attempts + 1, failed_attempts = 0"
                " WHERE url = ?",
                (state, doc_id, content_hash, etag, last_modified, _now(), url),
            )
            return not unchanged

    def mark_not_modified(self, url: str) -> None:
        with self._transaction(mark=True) as conn:
            updated = conn.execute(
                "UPDATE urls SET state = 'written', fetched_at = ?, attempts = attempts + 1,"
                " failed_attempts = 0 WHERE url = ? AND state IN ('written', 'discovered') AND file IS NOT NULL",
                (_now(), url),
            ).rowcount
        if not updated:
            # No row of it in the dataset: leave it pending, it is fetched in full next time.
            log.warning("304 for %s, which has no row written; left pending", url)

    def _finish(self, url: str, state: str, reason: str | None) -> None:
        with self._transaction(mark=True) as conn:
            updated = conn.execute(
                "UPDATE urls SET state = ?, reason = ?, fetched_at = ?, attempts = attempts + 1,"
                " failed_attempts = failed_attempts + ? WHERE url = ?",
                (state, reason, _now(), int(state == "failed"), url),
            ).rowcount
        if not updated:
            raise KeyError(f"mark_{state} of an undiscovered URL: {url}")

    def mark_not_article(self, url: str, site: str, reason: str) -> None:
        with self._transaction(mark=True) as conn:
            conn.execute("DELETE FROM urls WHERE url = ? AND state IN ('discovered', 'fetched', 'failed')", (url,))
            conn.execute("INSERT OR REPLACE INTO not_articles (url, site, reason, judged_at) VALUES (?, ?, ?, ?)",
                         (url, site, reason, _now()))

    def mark_duplicate(self, url: str, doc_id: str, content_hash: str) -> None:
        with self._transaction(mark=True) as conn:
            written = conn.execute("SELECT file FROM urls WHERE doc_id = ? AND state = 'written' AND file IS NOT NULL"
                                   " LIMIT 1", (doc_id,)).fetchone()
            state, file = ("written", written["file"]) if written else ("fetched", None)
            updated = conn.execute(
                "UPDATE urls SET state = ?, reason = NULL, doc_id = ?, content_hash = ?, file = ?, fetched_at = ?,"
                " written_at = CASE WHEN ? = 'written' THEN ? ELSE written_at END, attempts = attempts + 1,"
                " failed_attempts = 0 WHERE url = ?",
                (state, doc_id, content_hash, file, _now(), state, _now(), url)).rowcount
        if not updated:
            raise KeyError(f"mark_duplicate of an undiscovered URL: {url}")

    def claim_doc(self, doc_id: str, url: str) -> bool:
        # One crawl at a time writes a dataset (OutputLock): another URL of the row that is only
        # 'fetched' was left by a stopped run and is fetched again later, so it does not hold it.
        # A URL that holds the row (written with it) may write it again (its text changed).
        holders = {row["url"] for row in self._query(
            "SELECT url FROM urls WHERE doc_id = ? AND state = 'written'", (doc_id,))}
        return not holders or url in holders

    def not_articles(self, site: str) -> list[str]:
        return [row["url"] for row in self._query("SELECT url FROM not_articles WHERE site = ?", (site,))]

    def written_urls(self, site: str, limit: int | None = None) -> list[str]:
        sql = "SELECT url FROM urls WHERE site = ? AND state = 'written' ORDER BY written_at DESC, url"
        params: tuple = (site,)
        if limit is not None:
            sql, params = sql + " LIMIT ?", (site, limit)
        return sorted(row["url"] for row in self._query(sql, params))

    def retry_failed(self, site: str | None = None, reasons: Iterable[str] | None = None,
                     max_attempts: int | None = None) -> int:
        """Send failed URLs back to pending; see ``Ledger.retry_failed``. One transaction."""
        sql = "UPDATE urls SET state = 'discovered'"
        if max_attempts is None:
            sql += ", failed_attempts = 0"
        sql += " WHERE state = 'failed'"
        params: list = []
        if site is not None:
            sql += " AND site = ?"
            params.append(site)
        if reasons is not None:
            condition, reason_params = _reasons_sql(list(reasons))
            sql += " AND " + condition
            params.extend(reason_params)
        if max_attempts is not None:
            sql += " AND failed_attempts < ?"
            params.append(max_attempts)
        with self._transaction() as conn:
            return conn.execute(sql, params).rowcount

    # -- commit protocol ------------------------------------------------------------------

    def begin_commit(self, file: str, ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys(ids))
        with self._transaction() as conn:
            row = conn.execute("SELECT state FROM commits WHERE file = ?", (file,)).fetchone()
            if row is not None and row["state"] == "done":
                # A single-file output rewritten by a later run would replace written rows.
                raise ValueError(f"{file} is already committed; a ledgered crawl needs a dataset folder")
            conn.execute("DELETE FROM commits WHERE file = ?", (file,))
            conn.execute(
                "INSERT INTO commits (file, state, n_rows, created_at) VALUES (?, 'pending', ?, ?)",
                (file, len(ids), _now()),
            )
            conn.executemany(
                "INSERT INTO commit_rows (file, doc_id) VALUES (?, ?)", ((file, i) for i in ids)
            )

    def finish_commit(self, file: str) -> int:
        """Returns the number of URLs now ``written``."""
        with self._transaction() as conn:
            return self._finish_commit(conn, file)

    def _finish_commit(self, conn: sqlite3.Connection, file: str) -> int:
        now = _now()
        conn.execute(
            "UPDATE commits SET state = 'done', finished_at = ? WHERE file = ? AND state = 'pending'",
            (now, file),
        )
        return conn.execute(
            "UPDATE urls SET state = 'written', file = ?, written_at = ? WHERE state = 'fetched'"
            " AND doc_id IN (SELECT doc_id FROM commit_rows WHERE file = ?)",
            (file, now, file),
        ).rowcount

    def _drop_commit(self, file: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM commits WHERE file = ?", (file,))

    # -- recovery -------------------------------------------------------------------------

    def recover(self, out_dir: str | Path) -> Recovery:
        folder = Path(out_dir)
        if folder.suffix == ".parquet":
            folder = folder.parent
        folder.mkdir(parents=True, exist_ok=True)
        self.bind_dataset(folder)
        swept = sweep_temporary(folder)
        finished = dropped = 0
        for row in self._query("SELECT file FROM commits WHERE state = 'pending' ORDER BY seq"):
            path = folder / row["file"]
            if path.exists() and _readable(path):
                self.finish_commit(row["file"])
                finished += 1
                log.info("recovered commit of %s", path)
            else:
                if path.exists():
                    _quarantine(path)
                self._drop_commit(row["file"])
                dropped += 1
                log.info("dropped the unfinished commit of %s; its URLs will be fetched again", path)
        known = {row["file"] for row in self._query("SELECT file FROM commits")}
        quarantined = 0
        for path in sorted(folder.glob("*.parquet")):
            if path.name not in known:
                _quarantine(path)
                quarantined += 1
        superseded = self.remove_superseded(folder)
        result = Recovery(finished, dropped, swept, quarantined, superseded)
        log.info("ledger recovery in %s: %s", folder, result)
        return result

    def bind_dataset(self, folder: str | Path) -> None:
        """Tie the ledger to one dataset folder: its commits name files in that folder only.

        Raises ValueError for another folder (recovering it would drop the other folder's
        commits and quarantine its files): use one ledger file per output folder.
        """
        resolved = str(Path(folder).resolve())
        with self._transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('dataset', ?)", (resolved,))
            bound = conn.execute("SELECT value FROM meta WHERE key = 'dataset'").fetchone()["value"]
        if bound != resolved:
            raise ValueError(f"the ledger {self.path} belongs to the dataset {bound}, not {resolved}:"
                             " give each output folder its own ledger (--state)")

    def remove_superseded(self, folder: str | Path) -> int:
        """Remove from older files the rows of ids written again in a later file; return how many.

        Each file is rewritten atomically first and the ledger updated after: a stop in
        between leaves work that the next call redoes identically.
        """
        stale = self._query(
            """SELECT r.file, r.doc_id FROM commit_rows r JOIN commits c ON c.file = r.file
               WHERE c.state = 'done' AND EXISTS (
                   SELECT 1 FROM commit_rows r2 JOIN commits c2 ON c2.file = r2.file
                   WHERE r2.doc_id = r.doc_id AND c2.state = 'done' AND c2.seq > c.seq)"""
        )
        by_file: dict[str, set[str]] = {}
        for row in stale:
            by_file.setdefault(row["file"], set()).add(row["doc_id"])
        for file, ids in by_file.items():
            self._rewrite_without(Path(folder) / file, ids)
            with self._transaction() as conn:
                conn.executemany(
                    "DELETE FROM commit_rows WHERE file = ? AND doc_id = ?", ((file, i) for i in ids)
                )
                left = conn.execute("SELECT count(*) FROM commit_rows WHERE file = ?", (file,)).fetchone()[0]
                if left == 0:
                    conn.execute("DELETE FROM commits WHERE file = ?", (file,))
            log.info("removed %d superseded rows from %s", len(ids), file)
        return sum(len(ids) for ids in by_file.values())

    @staticmethod
    def _rewrite_without(path: Path, ids: set[str]) -> None:
        if not path.exists():
            return
        table = pq.read_table(path)
        kept = table.filter(pc.invert(pc.is_in(table["id"], value_set=pa.array(sorted(ids), type=pa.string()))))
        if kept.num_rows == 0:
            path.unlink()
        elif kept.num_rows < table.num_rows:
            write_table_atomically(kept, path)

    # -- runs and stats -------------------------------------------------------------------

    def start_run(self, site: str | None = None) -> str:
        run_id = uuid.uuid4().hex[:12]
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO runs (run_id, site, started_at) VALUES (?, ?, ?)", (run_id, site, _now())
            )
        return run_id

    def finish_run(self, run_id: str, counts: Mapping[str, int] | None = None, status: str = "finished") -> None:
        with self._transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, counts = ? WHERE run_id = ?",
                (_now(), status, json.dumps(dict(counts or {}), sort_keys=True), run_id),
            )

    def sites(self) -> list[str]:
        return [row["site"] for row in self._query("SELECT DISTINCT site FROM urls ORDER BY site")]

    def stats(self, site: str | None = None) -> Stats:
        where, params = ("WHERE site = ?", (site,)) if site is not None else ("", ())
        states = {state: 0 for state in STATES}
        for row in self._query(f"SELECT state, count(*) AS n FROM urls {where} GROUP BY state", params):
            states[row["state"]] = row["n"]
        failures = {
            row["reason"] or "unknown": row["n"]
            for row in self._query(
                f"SELECT reason, count(*) AS n FROM urls {where} {'AND' if where else 'WHERE'}"
                " state = 'failed' GROUP BY reason ORDER BY n DESC, reason",
                params,
            )
        }
        run_where = "WHERE site = ? OR site IS NULL" if site is not None else ""
        runs = self._query(f"SELECT * FROM runs {run_where} ORDER BY started_at DESC LIMIT 1", params)
        last_run = None
        if runs:
            last_run = dict(runs[0])
            last_run["counts"] = json.loads(last_run["counts"]) if last_run["counts"] else {}
        return Stats(states, failures, last_run)

    def verify(self, out_dir: str | Path) -> list[str]:
        """Problems between the ledger and the files in ``out_dir`` (empty list: consistent).

        Checks that every id in the files is in exactly one file, that every written URL's
        id is in the file the ledger names, and that the files read as one dataset.
        """
        folder = Path(out_dir)
        problems: list[str] = []
        where: dict[str, str] = {}
        for path in sorted(folder.glob("*.parquet")):
            for doc_id in pq.read_table(path, columns=["id"])["id"].to_pylist():
                if doc_id in where:
                    problems.append(f"id {doc_id} in {where[doc_id]} and {path.name}")
                where[doc_id] = path.name
        for row in self._query("SELECT url, doc_id, file FROM urls WHERE state = 'written'"):
            if where.get(row["doc_id"]) != row["file"]:
                problems.append(f"{row['url']} written to {row['file']} but its id is in {where.get(row['doc_id'])}")
        try:
            if where:
                pq.read_table(folder)
        except Exception as exc:  # noqa: BLE001 - any failure to read is the problem reported
            problems.append(f"dataset unreadable: {exc}")
        return problems


def _readable(path: Path) -> bool:
    try:
        pq.read_metadata(path)
        return True
    except Exception:  # noqa: BLE001 - a torn or foreign file, whatever the error
        return False


def _quarantine(path: Path) -> None:
    """Move ``path`` to ``_quarantine/`` beside it: out of the dataset, but not deleted."""
    target = path.parent / QUARANTINE
    target.mkdir(exist_ok=True)
    path.replace(target / path.name)
    log.warning("moved %s, unknown to the ledger, to %s", path.name, target)


class OutputLock:
    """An exclusive lock on a dataset folder for the length of a crawl (``OUT/.lock``, flock).

    ``recover`` and ``DatasetWriter`` sweep ``.*.parquet.tmp`` and settle unfinished commits:
    run concurrently with another writer on the same folder, they would delete its file in
    progress. The kernel releases the lock when its process dies, even by SIGKILL.
    pyarrow skips ``.``-prefixed files, so the lock file never disturbs readers.
    """

    def __init__(self, out_dir: str | Path) -> None:
        folder = Path(out_dir)
        self.folder = folder.parent if folder.suffix == ".parquet" else folder
        self._handle = None

    def __enter__(self) -> "OutputLock":
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / ".lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RuntimeError(f"another crawl is writing to {self.folder}") from None
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the flock
            self._handle = None


class LedgerCommitHook:
    """Plugs a ledger into ``DatasetWriter``::

        hook = LedgerCommitHook(ledger)
        writer = DatasetWriter(out, before_commit=hook.before_commit, on_commit=hook.on_commit)
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def before_commit(self, path: Path, ids: tuple[str, ...]) -> None:
        self.ledger.begin_commit(path.name, ids)

    def on_commit(self, committed: CommittedFile) -> None:
        self.ledger.finish_commit(committed.path.name)
        if isinstance(self.ledger, SQLiteLedger):
            self.ledger.remove_superseded(committed.path.parent)


def open_ledger(path: str | Path = DEFAULT_PATH, **options) -> Ledger:
    """The ledger at ``path`` (a SQLite file; other back-ends, e.g. redis://, later)."""
    return SQLiteLedger(path, **options)
