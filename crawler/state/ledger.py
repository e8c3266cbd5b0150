"""The crawl ledger's interface: what was discovered, fetched, written and failed, per URL.

Owns the URL states, the commit protocol and recovery (written once, here, for every
back-end), and ``LedgerCommitHook``, which ties a ledger to ``cleaning.dataset.DatasetWriter``.
Back-ends: ``crawler.state.sqlite_ledger`` (one crawl, one machine) and
``crawler.state.redis_ledger`` (a distributed crawl). The output files themselves (atomic
commit, quarantine, lock) are ``cleaning.dataset``'s.

The ledger, not Scrapy's JOBDIR, is the source of truth of a crawl. At start the crawler calls
``recover(out_dir)`` and re-enqueues ``pending(site)``; whatever a previous run did or did not
finish, nothing is lost and nothing is written twice. One crawl writes to a dataset folder at a
time: hold ``cleaning.dataset.DatasetLock(out_dir)`` around recovery and the whole crawl.

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
``cleaning.dataset.DatasetWriter``):

1. ``begin_commit(file, ids)``: an intent row, state ``pending``, durable before the file exists.
2. The writer writes the file atomically (``cleaning.dataset.commit_file``).
3. ``finish_commit(file)``: in ONE transaction the commit becomes ``done`` and its URLs ``written``.

``recover(out_dir)`` at start-up settles whatever a stop interrupted: a pending commit whose
file is in place and readable is finished, one whose file is missing is dropped (its URLs are
still ``fetched``, hence pending, and will be fetched again); ``.*.parquet.tmp`` files are swept;
a Parquet file the ledger does not know is moved to ``OUT/_quarantine/`` (pyarrow skips
``_``-prefixed folders) rather than deleted, since it may be someone's data. Finally, when an
id is in two done files (an article re-fetched because it changed, or a writer interrupted
between writing a file and forgetting its buffer), the older copy is removed by rewriting
the older file atomically: every id is in exactly one file.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

from cleaning.dataset import CommittedFile, Dataset, quarantine, readable
from cleaning.dates import parse_datetime

log = logging.getLogger(__name__)

STATES = ("discovered", "fetched", "written", "failed", "gone")
PENDING_STATES = ("discovered", "fetched")


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
    """Everything the crawler asks of a ledger, whatever its back-end (no caller tests the type).

    Rows read back (``get``) are dicts of the URL's fields; a back-end that stores text (Redis)
    gives numbers as text and an absent field as ``""``.
    """

    @abstractmethod
    def get(self, url: str) -> dict | None:
        """The row of ``url`` (``state``, ``site``, ``etag``, ``file``, ``fetched_at``...), or None."""

    @abstractmethod
    def mark_discovered(self, url: str, site: str, lastmod: str | None = None) -> bool:
        """Record ``url`` (idempotent); True when it needs fetching (new, pending, or changed)."""

    def discover_many(self, entries: Iterable[tuple[str, str, str | None]]) -> list[str]:
        """``mark_discovered`` for many ``(url, site, lastmod)`` (a sitemap); the URLs to fetch."""
        return [url for url, site, lastmod in entries if self.mark_discovered(url, site, lastmod)]

    @abstractmethod
    def pending(self, site: str | None = None) -> list[str]:
        """Every URL discovered but not finished: enqueue them all at start."""

    def conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since, only for a URL whose current row is in the dataset
        (written, or written and then re-discovered with a newer lastmod): a 304 for a page
        fetched but never committed (killed before its file was) would lose the article, or its
        update, for good."""
        row = self.get(url)
        if not row or not (row["state"] == "written" or (row["state"] == "discovered" and row.get("file"))):
            return {}
        headers = {}
        if row.get("etag"):
            headers["If-None-Match"] = row["etag"]
        if row.get("last_modified"):
            headers["If-Modified-Since"] = row["last_modified"]
        elif row.get("fetched_at"):
            when = datetime.fromtimestamp(float(row["fetched_at"]), tz=timezone.utc)
            headers["If-Modified-Since"] = format_datetime(when, usegmt=True)
        return headers

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
    def _drop_commit(self, file: str) -> None:
        """Forget the commit of ``file`` (its file is not in the dataset)."""

    @abstractmethod
    def bind_dataset(self, folder: Path) -> None:
        """Tie the ledger's commits to the dataset folder ``folder`` (ValueError when it cannot be)."""

    @abstractmethod
    def pending_commits(self) -> list[str]:
        """The files of the bound folder whose commit was begun and not finished, oldest first."""

    @abstractmethod
    def committed_files(self) -> set[str]:
        """The files of the bound folder the ledger knows (commits pending or done)."""

    @abstractmethod
    def remove_superseded(self, folder: str | Path) -> int:
        """Remove from older files of ``folder`` the rows of ids written again in a later file;
        return how many rows."""

    def recover(self, out_dir: str | Path) -> Recovery:
        """Settle what a stop interrupted; call before the crawl starts (holding the lock).

        A pending commit whose file is in place and readable is finished, one whose file is
        missing or torn is dropped (its URLs are still ``fetched``, hence pending, and fetched
        again); temporaries are swept; a Parquet file the ledger does not know is quarantined;
        older copies of ids written again are removed.
        """
        dataset = Dataset(Dataset(out_dir).folder)
        dataset.prepare()
        self.bind_dataset(dataset.folder)
        swept = dataset.sweep()
        finished = dropped = 0
        for file in self.pending_commits():
            if self._settle(dataset.folder, file):
                finished += 1
            else:
                dropped += 1
        known = self.committed_files()
        quarantined = 0
        for path in dataset.files():
            if path.name not in known:
                quarantine(path)
                quarantined += 1
        result = Recovery(finished, dropped, swept, quarantined, self.remove_superseded(dataset.folder))
        log.info("ledger recovery in %s: %s", dataset.folder, result)
        return result

    def _settle(self, folder: Path, file: str) -> bool:
        """Finish the pending commit of ``folder/file`` when the file is whole (True), else drop it."""
        path = folder / file
        if path.exists() and readable(path):
            self.finish_commit(file)
            log.info("recovered the commit of %s", path)
            return True
        if path.exists():
            quarantine(path)
        self._drop_commit(file)
        log.info("dropped the unfinished commit of %s; its URLs will be fetched again", path)
        return False

    @abstractmethod
    def stats(self, site: str | None = None) -> Stats:
        """Counts per state, failures by reason, last run."""

    @abstractmethod
    def sites(self) -> list[str]:
        """Every site with a URL in the ledger."""

    @abstractmethod
    def start_run(self, site: str | None = None) -> str:
        """Record the start of a run; its id."""

    @abstractmethod
    def finish_run(self, run_id: str, counts: Mapping[str, int] | None = None, status: str = "finished") -> None:
        """Record the end of a run, its per-site counts and why it ended."""

    def flush(self) -> None:
        """Make the marks recorded so far durable (a back-end that batches them commits the batch)."""

    @abstractmethod
    def close(self) -> None:
        """Flush and let go of the store."""

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
        self.ledger.remove_superseded(committed.path.parent)


def is_newer(lastmod: str | None, known_lastmod: str | None, fetched_at: float | None) -> bool:
    """Whether a sitemap ``lastmod`` says the page changed since it was fetched (two dates of one
    URL: a time without a zone is read as UTC in both, ``cleaning.dates``)."""
    new = parse_datetime(lastmod)
    if new is None:
        return False
    known = parse_datetime(known_lastmod)
    if known is not None:
        return new > known
    return fetched_at is None or new.timestamp() > fetched_at


