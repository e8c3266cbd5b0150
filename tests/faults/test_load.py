"""Load (case 27, slow): 1,000 articles over 10 local hosts (127.0.0.1-127.0.0.10) answering in
0.3 s. From the servers' own logs, no host ever has more requests in flight than
CONCURRENT_REQUESTS_PER_DOMAIN; the crawl's memory plateaus. Run with ``pytest -m slow``."""
from __future__ import annotations

import pytest

from tests.faults.conftest import assert_ok, crawl
from tests.servers import FaultServer

HOSTS = [f"127.0.0.{i}" for i in range(1, 11)]
PER_HOST = 100
PER_DOMAIN = 2


def max_overlap(requests: list[dict]) -> int:
    """Requests in flight at once: between the server reading a request and starting its answer
    (the 0.3 s latency is inside; the client may send its next request as soon as the answer
    arrives, before the server thread logs ``done``)."""
    events = sorted([(r["received"], 1) for r in requests] + [(r["answered"], -1) for r in requests],
                    key=lambda e: (e[0], e[1]))
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


@pytest.mark.slow
def test_thousand_urls_over_ten_hosts(tmp_path):
    servers = [FaultServer(tmp_path / f"host-{i}.log", {"feeds": {"f": [f"/slow/300/a-{i}{n:05d}.html"
                                                                        for n in range(PER_HOST)]}}, host=host)
               for i, host in enumerate(HOSTS)]
    try:
        run = crawl(tmp_path, [s.base + "/feed/f.xml" for s in servers],
                    {"CONCURRENT_REQUESTS": "32", "CONCURRENT_REQUESTS_PER_DOMAIN": str(PER_DOMAIN),
                     "NEWSCLEAN_ALLOW_PRIVATE_HOSTS": ",".join(HOSTS), "NEWSCLEAN_CLEAN_WORKERS": "2",
                     "LOG_LEVEL": "INFO"},
                    allowed=HOSTS, timeout=600, sample_rss=True)
        assert_ok(run)
        overlaps = []
        for server in servers:
            articles = server.hits("/slow/")
            assert len(articles) == PER_HOST
            overlaps.append(max_overlap(articles))
        assert max(overlaps) == PER_DOMAIN, overlaps  # used, never exceeded
        assert len(run.rows()) == len(HOSTS) * PER_HOST
        # RSS plateaus: the last third of the crawl does not grow past the middle third by much.
        samples = run.rss_samples
        third = len(samples) // 3
        middle, last = max(samples[third:2 * third]), max(samples[2 * third:])
        assert last < middle * 1.25 + 50 * 1024 * 1024, (middle, last)
    finally:
        for server in servers:
            server.stop()
