"""The cross-worker politeness slots (``crawler.distributed.politeness``) against a real redis-server."""
from __future__ import annotations

import time

import redis

from crawler.distributed.politeness import RedisSlots


def test_politeness_slots_are_shared_and_expire(redis_url):
    clients = [redis.Redis.from_url(redis_url, decode_responses=True) for _ in range(2)]
    slots = [RedisSlots(c, "t", limit=2, delay=0.0, lease=0.5) for c in clients]
    assert slots[0].try_acquire("h", "t1") == 0 and slots[1].try_acquire("h", "t2") == 0
    assert slots[1].try_acquire("h", "t3") > 0  # two in flight across both "workers"
    slots[0].release("h", "t1")
    assert slots[1].try_acquire("h", "t3") == 0
    time.sleep(0.6)  # holders that died: their slots expire
    assert slots[0].in_flight("h") == 0 or slots[0].try_acquire("h", "t4") == 0

    delayed = RedisSlots(clients[0], "d", limit=5, delay=0.2, lease=5)
    assert delayed.try_acquire("h", "a") == 0
    other_worker = RedisSlots(clients[1], "d", limit=5, delay=0.2, lease=5)
    wait = other_worker.try_acquire("h", "b")  # a free slot, but the last start was just now
    assert 0 < wait <= 0.2, wait  # told to wait the rest of the 0.2 s, whoever asks
