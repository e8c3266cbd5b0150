"""The SQLite file under the crawl ledger: its tables, its connection, its batched transactions.

Owns the schema (and the migration of older files) and the transaction discipline that
``crawler.state.sqlite_ledger.SQLiteLedger`` builds on; what the rows mean is the ledger's.

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

import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_PATH = Path("data/state.sqlite")

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


class SQLiteStore:
    """One SQLite ledger file (default ``data/state.sqlite``), its schema created or migrated.

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

    def __str__(self) -> str:
        return str(self.path)

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

    def __enter__(self) -> "SQLiteStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
