"""The Redis under a distributed crawl's ledger: its keys, optimistic transactions, worker leases.

Owns the key layout (``<prefix>:url:<url>`` hashes, ``<prefix>:state:<state>`` sets, ...), the
WATCH/MULTI transaction helper, each worker's liveness key (``<prefix>:worker:<id>``, a TTL
refreshed by ``heartbeat``) and the ownership of pending URLs that rests on it (``take``,
``orphans``, ``claim_orphans``, ``lost``); the states and the commit protocol are
``crawler.state.redis_ledger``'s.
"""
from __future__ import annotations

import logging
import os
import socket
import time

import redis

from crawler.state.ledger import PENDING_STATES

log = logging.getLogger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisStore:
    """A connection to the Redis at ``url``, the keys under ``prefix``, and this worker's lease."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", *, prefix: str = "newsclean",
                 worker: str | None = None, lease_seconds: float = 30.0,
                 client: redis.Redis | None = None) -> None:
        self.r = client or redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self.worker = worker or default_worker_id()
        self.lease_seconds = lease_seconds
        self.heartbeat()

    def __str__(self) -> str:
        return f"redis {self.prefix} (worker {self.worker})"

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

    # -- ownership of pending URLs (leases) -------------------------------------------------

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
