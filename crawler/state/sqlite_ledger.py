"""The crawl ledger in one SQLite file: one crawl at a time per dataset folder, on one machine.

The states, the commit protocol and recovery are ``crawler.state.ledger``'s; the file, its
schema and its batched transactions ``crawler.state.sqlite_store``'s. ``newsclean status``
reads this ledger.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from cleaning.dataset import Dataset, remove_rows
from crawler.state.ledger import PENDING_STATES, STATES, Ledger, Stats, is_newer
from crawler.state.sqlite_store import DEFAULT_PATH, SQLiteStore

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_PATH", "SQLiteLedger"]


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


class SQLiteLedger(SQLiteStore, Ledger):
    """The ledger in one SQLite file (default ``data/state.sqlite``); see ``SQLiteStore`` for
    the options (durability, batched marks)."""

    def __enter__(self) -> "SQLiteLedger":
        return self

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
        if row["state"] == "written" and is_newer(lastmod, row["lastmod"], row["fetched_at"]):
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

    def mark_fetched(self, url: str, *, doc_id: str, content_hash: str, etag: str | None = None,
                     last_modified: str | None = None) -> bool:
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

    # -- recovery (``Ledger.recover``) ------------------------------------------------------

    def pending_commits(self) -> list[str]:
        return [row["file"] for row in self._query("SELECT file FROM commits WHERE state = 'pending' ORDER BY seq")]

    def committed_files(self) -> set[str]:
        return {row["file"] for row in self._query("SELECT file FROM commits")}

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
            remove_rows(Path(folder) / file, ids)
            with self._transaction() as conn:
                conn.executemany(
                    "DELETE FROM commit_rows WHERE file = ? AND doc_id = ?", ((file, i) for i in ids)
                )
                left = conn.execute("SELECT count(*) FROM commit_rows WHERE file = ?", (file,)).fetchone()[0]
                if left == 0:
                    conn.execute("DELETE FROM commits WHERE file = ?", (file,))
            log.info("removed %d superseded rows from %s", len(ids), file)
        return sum(len(ids) for ids in by_file.values())

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
        dataset = Dataset(out_dir)
        where, problems = dataset.ids_by_file()
        for row in self._query("SELECT url, doc_id, file FROM urls WHERE state = 'written'"):
            if where.get(row["doc_id"]) != row["file"]:
                problems.append(f"{row['url']} written to {row['file']} but its id is in {where.get(row['doc_id'])}")
        unreadable = dataset.read_problem()
        return problems + ([unreadable] if unreadable else [])
