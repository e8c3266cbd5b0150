"""The crawl ledger in Redis, shared by every worker of a distributed crawl (``crawler.state.ledger.Ledger``).

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
import time
from collections.abc import Iterable
from pathlib import Path

from crawler.state.ledger import PENDING_STATES, STATES, Ledger, Recovery, Stats, is_newer, reason_matches
from crawler.state.redis_store import RedisStore

log = logging.getLogger(__name__)


class RedisLedger(RedisStore, Ledger):
    """The ledger of one distributed crawl, in Redis at ``url`` under ``prefix``."""

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
            if state == "written" and is_newer(lastmod, row.get("lastmod") or None, fetched_at):
                self._set_state(pipe, url, state, "discovered", {"lastmod": lastmod, "owner": self.worker})
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

    def settle_dead_commits(self) -> int:
        """Pending commits of dead workers: finished when the file is in place, else dropped."""
        settled = 0
        for file, commit in self._commits():
            if commit.get("state") == "pending" and not self.alive(commit.get("worker")):
                log.info("settling the commit of %s left by dead worker %s", file, commit.get("worker"))
                self._settle(Path(commit.get("folder") or "."), file)
                settled += 1
        return settled

    # -- recovery (``Ledger.recover``) ------------------------------------------------------

    def bind_dataset(self, folder: Path) -> None:
        """This worker's own folder: its commits name it; other workers' folders are theirs."""
        self.folder = Path(folder).resolve()

    def _own_commits(self) -> list[tuple[str, dict]]:
        return [(file, commit) for file, commit in self._commits()
                if Path(commit.get("folder") or "").resolve() == self.folder]

    def pending_commits(self) -> list[str]:
        return [file for file, commit in self._own_commits() if commit.get("state") == "pending"]

    def committed_files(self) -> set[str]:
        return {file for file, _ in self._own_commits()}

    def remove_superseded(self, folder: str | Path) -> int:
        """Nothing: an id fetched again because it changed is written again by the worker that
        fetched it, in its own folder; older copies in other workers' folders are not rewritten
        while those workers may be writing them (so 0)."""
        return 0

    def recover(self, out_dir: str | Path) -> Recovery:
        """``Ledger.recover`` on THIS worker's folder, then dead workers' pending commits."""
        result = super().recover(out_dir)
        self.settle_dead_commits()
        return result

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
