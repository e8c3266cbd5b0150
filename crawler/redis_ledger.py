"""The crawl ledger in Redis, shared by every worker of a distributed crawl (``crawler.ledger.Ledger``).

Same states and rules as ``SQLiteLedger`` (discovered -> fetched -> written, failed, gone; the
commit protocol begin_commit -> atomic file -> finish_commit), plus what several workers need:

- Liveness: each worker refreshes ``<prefix>:worker:<id>`` (a key with a TTL of
  ``lease_seconds``) from a heartbeat; a worker that dies (SIGKILL included) stops refreshing,
  and its key expires.
- Ownership as a lease: every pending URL has an ``owner``, the worker answerable for getting
  it fetched: the worker that discovered it, then the worker that took its request off the
  shared queue (``take``), then the one that fetched it (``writer``). A pending URL whose owner's
  key expired is an orphan: ``claim_orphans`` hands it to a live worker, which enqueues it again.
  So a URL taken by a worker that dies is not lost: it is re-enqueued once the lease lapses.
- Write-once: ``mark_fetched`` says "write it" to one worker only; a second worker fetching the
  same URL while the first (alive) holds it fetched is told not to write it.
- Commits name their dataset folder; ``settle_dead_commits`` finishes a dead worker's pending
  commit whose file is in place (its URLs are written, not fetched again) or drops it.
- ``retry_failed`` sends a failed URL back to ``discovered`` with no owner: an orphan, which the
  first live worker to look (``claim_orphans``, at its start) claims and enqueues.

Every state change is one optimistic Redis transaction (WATCH/MULTI), so the per-state sets
used by ``pending`` and ``stats`` always agree with the per-URL hashes.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import redis

from cleaning.dataset import sweep_temporary
from crawler.ledger import (
    PENDING_STATES,
    STATES,
    Ledger,
    Recovery,
    Stats,
    _is_newer,
    _quarantine,
    _readable,
    reason_matches,
)

log = logging.getLogger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisLedger(Ledger):
    """The ledger of one distributed crawl, in Redis at ``url`` under ``prefix``."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", *, prefix: str = "newsclean",
                 worker: str | None = None, lease_seconds: float = 30.0,
                 client: redis.Redis | None = None) -> None:
        self.r = client or redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self.worker = worker or default_worker_id()
        self.lease_seconds = lease_seconds
        self.heartbeat()

    # -- keys and plumbing --------------------------------------------------------------------

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _url(self, url: str) -> str:
        return self._k("url", url)

    def _state_set(self, state: str) -> str:
        return self._k("state", state)

    def heartbeat(self) -> None:
        """Keep this worker's leases: call more often than ``lease_seconds``."""
        self.r.set(self._k("worker", self.worker), str(time.time()), px=int(self.lease_seconds * 1000))
        self.r.sadd(self._k("workers"), self.worker)

    def release(self) -> None:
        """This worker stops (a clean exit): its leases lapse at once."""
        self.r.delete(self._k("worker", self.worker))

    def alive(self, worker: str | None) -> bool:
        return bool(worker) and (worker == self.worker or bool(self.r.exists(self._k("worker", worker))))

    def live_workers(self) -> list[str]:
        return sorted(w for w in self.r.smembers(self._k("workers")) if self.alive(w))

    def _set_state(self, pipe, url: str, old: str | None, new: str, fields: dict) -> None:
        if old != new:
            if old:
                pipe.srem(self._state_set(old), url)
            pipe.sadd(self._state_set(new), url)
        clean = {k: ("" if v is None else v) for k, v in fields.items()}
        pipe.hset(self._url(url), mapping={"state": new, **clean})

    def _transaction(self, func, *keys: str):
        """Run ``func(pipe)`` as an optimistic transaction on ``keys``; returns its value."""
        result = []

        def run(pipe):
            result.clear()
            result.append(func(pipe))

        self.r.transaction(run, *keys)
        return result[0]

    def get(self, url: str) -> dict | None:
        row = self.r.hgetall(self._url(url))
        return row or None

    def close(self) -> None:
        self.r.close()

    # -- discovery ---------------------------------------------------------------------------

    def mark_discovered(self, url: str, site: str, lastmod: str | None = None) -> bool:
        key = self._url(url)

        def op(pipe) -> bool:
            row = pipe.hgetall(key)
            pipe.multi()
            if not row:
                pipe.sadd(self._k("sites"), site)
                self._set_state(pipe, url, None, "discovered",
                                {"site": site, "lastmod": lastmod, "discovered_at": time.time(), "owner": self.worker,
                                 "attempts": 0})
                return True
            state = row["state"]
            if state in PENDING_STATES:
                if lastmod:
                    pipe.hset(key, "lastmod", lastmod)
                return True
            fetched_at = float(row["fetched_at"]) if row.get("fetched_at") else None
            if state == "written" and _is_newer(lastmod, row.get("lastmod") or None, fetched_at):
                self._set_state(pipe, url, state, "discovered", {"lastmod": lastmod, "owner": self.worker})
                return True
            return False

        return self._transaction(op, key)

    def discover_many(self, entries: Iterable[tuple[str, str, str | None]]) -> list[str]:
        return [url for url, site, lastmod in entries if self.mark_discovered(url, site, lastmod)]

    def take(self, url: str) -> bool:
        """This worker took ``url``'s request off the shared queue: it owns it now (if pending)."""
        key = self._url(url)

        def op(pipe) -> bool:
            state = pipe.hget(key, "state")
            pipe.multi()
            if state in PENDING_STATES:
                pipe.hset(key, "owner", self.worker)
                return True
            return False

        return self._transaction(op, key)

    def pending(self, site: str | None = None) -> list[str]:
        urls = sorted(self.r.sunion(self._state_set("discovered"), self._state_set("fetched")))
        if site is None:
            return urls
        with self.r.pipeline(transaction=False) as pipe:
            for url in urls:
                pipe.hget(self._url(url), "site")
            sites = pipe.execute()
        return [url for url, s in zip(urls, sites) if s == site]

    def orphans(self, site: str | None = None) -> list[str]:
        """Pending URLs whose owner (and fetcher) is not alive."""
        urls = self.pending(site)
        with self.r.pipeline(transaction=False) as pipe:
            for url in urls:
                pipe.hmget(self._url(url), "owner", "writer", "state")
            rows = pipe.execute()
        return [url for url, (owner, writer, state) in zip(urls, rows)
                if not self.alive(owner) and not (state == "fetched" and self.alive(writer))]

    def lost(self, site: str | None = None) -> list[str]:
        """Discovered URLs this worker owns (not taken by another worker): when this worker is idle
        and the shared queue empty, their requests were lost (the shared duplicate filter dropped
        them: another worker had asked for the same URL as a link page)."""
        urls = sorted(self.r.smembers(self._state_set("discovered")))
        with self.r.pipeline(transaction=False) as pipe:
            for url in urls:
                pipe.hmget(self._url(url), "owner", "site")
            rows = pipe.execute()
        return [url for url, (owner, owner_site) in zip(urls, rows)
                if owner == self.worker and (site is None or owner_site == site)]

    def claim_orphans(self, site: str | None = None) -> list[str]:
        """Take over every orphan (atomically: two workers never claim the same one)."""
        claimed = []
        for url in self.orphans(site):
            key = self._url(url)

            def op(pipe, url=url, key=key) -> bool:
                owner, writer, state = pipe.hmget(key, "owner", "writer", "state")
                if state not in PENDING_STATES or self.alive(owner) or (state == "fetched" and self.alive(writer)):
                    pipe.multi()
                    return False
                pipe.multi()
                pipe.hset(key, "owner", self.worker)
                return True

            if self._transaction(op, key):
                claimed.append(url)
        if claimed:
            log.info("claimed %d orphaned URLs (their worker's lease lapsed)", len(claimed))
        return claimed

    def conditional_headers(self, url: str) -> dict[str, str]:
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

    # -- fetching ----------------------------------------------------------------------------

    def mark_fetched(self, url: str, *, doc_id: str, content_hash: str, etag: str | None = None,
                     last_modified: str | None = None) -> bool:
        key = self._url(url)

        def op(pipe) -> bool:
            row = pipe.hgetall(key)
            if not row:
                pipe.multi()
                raise KeyError(f"mark_fetched of an undiscovered URL: {url}")
            state = row["state"]
            if state == "fetched" and row.get("writer") != self.worker and self.alive(row.get("writer")):
                pipe.multi()
                return False  # another live worker fetched it and will write it
            unchanged = (state in ("written", "discovered") and bool(row.get("file"))
                         and row.get("content_hash") == content_hash and row.get("doc_id") == doc_id)
            new = "written" if unchanged else "fetched"
            pipe.multi()
            self._set_state(pipe, url, state, new,
                            {"reason": None, "doc_id": doc_id, "content_hash": content_hash, "etag": etag,
                             "last_modified": last_modified, "fetched_at": time.time(), "writer": self.worker,
                             "owner": self.worker, "failed_attempts": 0})
            pipe.hincrby(key, "attempts", 1)
            pipe.sadd(self._k("doc", doc_id), url)
            return not unchanged

        return self._transaction(op, key)

    def mark_not_modified(self, url: str) -> None:
        key = self._url(url)

        def op(pipe) -> bool:
            row = pipe.hgetall(key)
            pipe.multi()
            if row and row["state"] in ("written", "discovered") and row.get("file"):
                self._set_state(pipe, url, row["state"], "written", {"fetched_at": time.time(), "failed_attempts": 0})
                pipe.hincrby(key, "attempts", 1)
                return True
            return False

        if not self._transaction(op, key):
            log.warning("304 for %s, which has no row written; left pending", url)

    def _finish(self, url: str, state: str, reason: str | None) -> None:
        key = self._url(url)

        def op(pipe) -> None:
            old = pipe.hget(key, "state")
            pipe.multi()
            if old is None:
                raise KeyError(f"mark_{state} of an undiscovered URL: {url}")
            self._set_state(pipe, url, old, state, {"reason": reason, "fetched_at": time.time()})
            pipe.hincrby(key, "attempts", 1)
            if state == "failed":
                pipe.hincrby(key, "failed_attempts", 1)
            if reason:
                pipe.hincrby(self._k("failures"), reason, 1)

        self._transaction(op, key)

    def mark_not_article(self, url: str, site: str, reason: str) -> None:
        key = self._url(url)

        def op(pipe) -> None:
            old = pipe.hget(key, "state")
            pipe.multi()
            if old in (*PENDING_STATES, "failed", None):
                if old:
                    pipe.srem(self._state_set(old), url)
                pipe.delete(key)
            pipe.hset(self._k("not_article", site), url, reason)

        self._transaction(op, key)

    def mark_duplicate(self, url: str, doc_id: str, content_hash: str) -> None:
        key = self._url(url)
        doc_key = self._k("doc", doc_id)

        def op(pipe) -> None:
            old = pipe.hget(key, "state")
            written = [pipe.hmget(self._url(u), "state", "file") for u in pipe.smembers(doc_key)]
            file = next((f for state, f in written if state == "written" and f), None)
            pipe.multi()
            if old is None:
                raise KeyError(f"mark_duplicate of an undiscovered URL: {url}")
            fields = {"reason": None, "doc_id": doc_id, "content_hash": content_hash, "fetched_at": time.time(),
                      "writer": self.worker, "owner": self.worker, "failed_attempts": 0}
            if file:
                fields.update(file=file, written_at=time.time())
            self._set_state(pipe, url, old, "written" if file else "fetched", fields)
            pipe.sadd(doc_key, url)

        self._transaction(op, key, doc_key)

    def claim_doc(self, doc_id: str, url: str) -> bool:
        """The first URL to claim a row writes it (SET NX); a claim whose worker died lapses,
        unless the row was written meanwhile."""
        key = self._k("doc_claim", doc_id)
        mine = f"{self.worker} {url}"

        def op(pipe) -> bool:
            held = pipe.get(key)
            own = pipe.hmget(self._url(url), "state", "doc_id")
            if held is not None and held != mine and own != ["written", doc_id]:
                worker, _, other = held.partition(" ")
                other_state = pipe.hget(self._url(other), "state") if other != url else None
                if other_state == "written" or (self.alive(worker) and other_state in PENDING_STATES):
                    pipe.multi()
                    return False
            pipe.multi()
            pipe.set(key, mine)
            return True

        return self._transaction(op, key)

    def not_articles(self, site: str) -> list[str]:
        return sorted(self.r.hkeys(self._k("not_article", site)))

    def written_urls(self, site: str, limit: int | None = None) -> list[str]:
        key = self._state_set("written")
        urls = sorted(self.r.smembers(key) if limit is None else self.r.srandmember(key, limit))
        with self.r.pipeline(transaction=False) as pipe:
            for url in urls:
                pipe.hget(self._url(url), "site")
            sites = pipe.execute()
        return [url for url, owner in zip(urls, sites) if owner == site]

    def retry_failed(self, site: str | None = None, reasons: Iterable[str] | None = None,
                     max_attempts: int | None = None) -> int:
        """See ``Ledger.retry_failed``; one transaction per URL (workers may call it together:
        a URL moves once). The URL has no owner afterwards: an orphan, claimed by a live worker."""
        patterns = None if reasons is None else list(reasons)
        moved = 0
        for url in sorted(self.r.smembers(self._state_set("failed"))):
            key = self._url(url)

            def op(pipe, url=url, key=key) -> bool:
                row = pipe.hgetall(key)
                pipe.multi()
                if (row.get("state") != "failed" or (site is not None and row.get("site") != site)
                        or (patterns is not None and not reason_matches(row.get("reason"), patterns))
                        or (max_attempts is not None and int(row.get("failed_attempts") or 0) >= max_attempts)):
                    return False
                fields = {"owner": None, "writer": None}
                if max_attempts is None:
                    fields["failed_attempts"] = 0
                self._set_state(pipe, url, "failed", "discovered", fields)
                if row.get("reason"):  # ``failures`` counts the URLs failed now, by reason
                    pipe.hincrby(self._k("failures"), row["reason"], -1)
                return True

            if self._transaction(op, key):
                moved += 1
        return moved

    # -- commit protocol ---------------------------------------------------------------------

    def begin_commit(self, file: str, ids: Iterable[str], folder: str | Path | None = None) -> None:
        ids = list(dict.fromkeys(ids))
        key = self._k("commit", file)
        if self.r.hget(key, "state") == "done":
            raise ValueError(f"{file} is already committed; a ledgered crawl needs a dataset folder")
        with self.r.pipeline() as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"state": "pending", "n_rows": len(ids), "ids": json.dumps(ids),
                                    "worker": self.worker, "folder": str(folder or self.folder or ""),
                                    "created_at": time.time()})
            pipe.sadd(self._k("commits"), file)
            pipe.execute()

    folder: Path | None = None  # this worker's dataset folder (set by ``recover``)

    def finish_commit(self, file: str) -> int:
        """In one transaction: the commit is done and its fetched URLs written. Returns how many."""
        key = self._k("commit", file)
        ids = json.loads(self.r.hget(key, "ids") or "[]")
        url_sets = [self._k("doc", i) for i in ids]
        with self.r.pipeline(transaction=False) as pipe:
            for name in url_sets:
                pipe.smembers(name)
            urls = sorted({u for members in pipe.execute() for u in members})
        url_keys = [self._url(u) for u in urls]

        def op(pipe) -> int:
            if pipe.hget(key, "state") != "pending":
                pipe.multi()
                return 0
            rows = [pipe.hmget(k, "state", "doc_id") for k in url_keys]
            pipe.multi()
            pipe.hset(key, mapping={"state": "done", "finished_at": time.time()})
            n = 0
            wanted = set(ids)
            for url, (state, doc_id) in zip(urls, rows):
                if state == "fetched" and doc_id in wanted:
                    self._set_state(pipe, url, state, "written", {"file": file, "written_at": time.time()})
                    n += 1
            return n

        return self._transaction(op, key, *url_keys)

    def _drop_commit(self, file: str) -> None:
        with self.r.pipeline() as pipe:
            pipe.delete(self._k("commit", file))
            pipe.srem(self._k("commits"), file)
            pipe.execute()

    def _commits(self) -> list[tuple[str, dict]]:
        files = sorted(self.r.smembers(self._k("commits")))
        with self.r.pipeline(transaction=False) as pipe:
            for file in files:
                pipe.hgetall(self._k("commit", file))
            return list(zip(files, pipe.execute()))

    def _settle(self, file: str, commit: dict) -> str:
        path = Path(commit.get("folder") or ".") / file
        if path.exists() and _readable(path):
            self.finish_commit(file)
            return "finished"
        if path.exists():
            _quarantine(path)
        self._drop_commit(file)
        return "dropped"

    def settle_dead_commits(self) -> int:
        """Pending commits of dead workers: finished when the file is in place, else dropped."""
        settled = 0
        for file, commit in self._commits():
            if commit.get("state") == "pending" and not self.alive(commit.get("worker")):
                log.info("%s the commit of %s left by dead worker %s", self._settle(file, commit), file,
                         commit.get("worker"))
                settled += 1
        return settled

    # -- recovery ----------------------------------------------------------------------------

    def recover(self, out_dir: str | Path) -> Recovery:
        """Settle what a stop left in THIS worker's folder ``out_dir`` (other workers' folders are theirs)."""
        folder = Path(out_dir)
        if folder.suffix == ".parquet":
            folder = folder.parent
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder.resolve()
        swept = sweep_temporary(folder)
        finished = dropped = 0
        known = set()
        for file, commit in self._commits():
            if Path(commit.get("folder") or "").resolve() != self.folder:
                continue
            known.add(file)
            if commit.get("state") == "pending":
                if self._settle(file, commit) == "finished":
                    finished += 1
                else:
                    dropped += 1
                    known.discard(file)
        quarantined = 0
        for path in sorted(folder.glob("*.parquet")):
            if path.name not in known:
                _quarantine(path)
                quarantined += 1
        self.settle_dead_commits()
        return Recovery(finished, dropped, swept, quarantined, 0)

    # -- runs and stats ----------------------------------------------------------------------

    def start_run(self, site: str | None = None) -> str:
        run_id = f"{self.worker}-{int(time.time())}".replace("/", "-")
        self.r.hset(self._k("run", run_id), mapping={"site": site or "", "started_at": time.time(),
                                                     "status": "running", "worker": self.worker})
        self.r.rpush(self._k("runs"), run_id)
        return run_id

    def finish_run(self, run_id: str, counts=None, status: str = "finished") -> None:
        self.r.hset(self._k("run", run_id), mapping={"finished_at": time.time(), "status": status,
                                                     "counts": json.dumps(dict(counts or {}), sort_keys=True)})

    def sites(self) -> list[str]:
        return sorted(self.r.smembers(self._k("sites")))

    def stats(self, site: str | None = None) -> Stats:
        states = {}
        for state in STATES:
            members = self.r.smembers(self._state_set(state))
            if site is not None:
                with self.r.pipeline(transaction=False) as pipe:
                    for url in members:
                        pipe.hget(self._url(url), "site")
                    members = [u for u, s in zip(members, pipe.execute()) if s == site]
            states[state] = len(members)
        failures = ({k: int(v) for k, v in self.r.hgetall(self._k("failures")).items() if int(v) > 0}
                    if site is None else {})
        last = self.r.lindex(self._k("runs"), -1)
        last_run = self.r.hgetall(self._k("run", last)) if last else None
        return Stats(states, failures, last_run)
