"""Scheduled crawls retry transient failures: an article that failed with a timeout or a 5xx is
fetched again by the next runs (at most NEWSCLEAN_RETRY_FAILED_ATTEMPTS runs in all), one that
failed for good (404, 403, ...) is not.

Every crawl is a real ``newsclean crawl`` in a subprocess against the demo server, whose fault
rules (``times``) make an article fail a given number of requests, then succeed; the server's
request log says what each run fetched.
"""
from __future__ import annotations

import re
from pathlib import Path

from crawler.demo.articles import ARTICLES
from crawler.demo.build_site import article_path
from crawler.state.sqlite_ledger import SQLiteLedger
from tests.crawler.conftest import CrawlRun, run_crawl, write_sites_file

RETRY_TIMES = 1  # Scrapy's retries within a run: each failing run makes 1 + RETRY_TIMES requests
#: No backoff to speak of after a 503 (NEWSCLEAN_BACKOFF_BASE * 2**retries seconds), short timeouts.
SETTINGS = {"RETRY_TIMES": str(RETRY_TIMES), "NEWSCLEAN_BACKOFF_BASE": "0.05", "DOWNLOAD_TIMEOUT": "1"}
SITE = {"sitemaps": ["{BASE}/sitemap-articles.xml"]}
PATHS = [article_path(a) for a in ARTICLES]


def rule(path: str, **fault) -> dict:
    return {"path": re.escape(path) + "$", **fault}


def crawl(tmp_path: Path, server, settings: dict[str, str] | None = None) -> CrawlRun:
    sites = write_sites_file(tmp_path / "sites.toml", server.base, **SITE)
    run = run_crawl(["demo"], tmp_path / "out", {**SETTINGS, "NEWSCLEAN_SITES_FILE": str(sites), **(settings or {})})
    assert run.returncode == 0, run.stderr[-3000:]
    return run


def requests_of(server, path: str, since: int = 0) -> list[int]:
    """The statuses the server answered for ``path`` after its ``since`` first log lines (None: no answer)."""
    return [r.get("status") for r in server.requests()[since:] if r["path"] == path]


def row(tmp_path: Path, server, path: str) -> dict:
    with SQLiteLedger(f"{tmp_path / 'out'}.state.sqlite") as ledger:
        found = ledger.get(server.base + path)
        assert ledger.stats().invariant_holds()
    assert found is not None
    return found


def written_paths(tmp_path: Path, server) -> set[str]:
    import pyarrow.parquet as pq

    return {r["url"].removeprefix(server.base) for r in pq.read_table(tmp_path / "out").to_pylist()}


def retried(run: CrawlRun) -> int:
    found = re.search(r"'newsclean/retried_failed': (\d+)", run.log)
    return int(found.group(1)) if found else 0


def test_a_503_and_a_timeout_failed_in_one_run_are_written_by_the_next(tmp_path, serve):
    answers_503, times_out = PATHS[4], PATHS[8]
    server = serve([rule(answers_503, status=503, times=1 + RETRY_TIMES),
                    rule(times_out, delay=2.5, times=1 + RETRY_TIMES)])
    run = crawl(tmp_path, server)
    assert requests_of(server, answers_503) == [503] * (1 + RETRY_TIMES)  # Scrapy's retries, all 503
    # The server logs an answer only once written, and the crawl has hung up by then: Scrapy counts.
    assert f"'downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError': {1 + RETRY_TIMES}," in run.log
    assert "failed=2 (http_503=1, timeout=1)" in run.stderr
    for path, reason in ((answers_503, "http_503"), (times_out, "timeout")):
        failed = row(tmp_path, server, path)
        assert (failed["state"], failed["reason"], failed["failed_attempts"]) == ("failed", reason, 1)
    assert written_paths(tmp_path, server) == set(PATHS) - {answers_503, times_out}

    before = len(server.requests())
    run = crawl(tmp_path, server)  # the next scheduled run: no manual step
    assert requests_of(server, answers_503, before) == [200] and requests_of(server, times_out, before) == [200]
    assert retried(run) == 2 and "ledger: 2 failed URLs sent back to pending" in run.stderr
    assert "written=2" in run.stderr and "unchanged=10" in run.stderr  # nothing else fetched again
    assert written_paths(tmp_path, server) == set(PATHS)
    for path in (answers_503, times_out):
        done = row(tmp_path, server, path)
        assert (done["state"], done["failed_attempts"], done["attempts"]) == ("written", 0, 2)


def test_permanent_failures_are_not_requested_again(tmp_path, serve):
    not_found, forbidden = PATHS[2], PATHS[3]
    server = serve([rule(not_found, status=404), rule(forbidden, status=403)])
    crawl(tmp_path, server)
    assert requests_of(server, not_found) == [404] and requests_of(server, forbidden) == [403]
    assert row(tmp_path, server, not_found)["state"] == "gone"
    assert (row(tmp_path, server, forbidden)["state"], row(tmp_path, server, forbidden)["reason"]) == ("failed", "http_403")

    before = len(server.requests())
    run = crawl(tmp_path, server)
    assert requests_of(server, not_found, before) == [] and requests_of(server, forbidden, before) == []
    assert retried(run) == 0 and "ledger: 0 failed URLs sent back to pending" in run.stderr


def test_an_article_that_always_fails_is_tried_in_at_most_the_cap_runs(tmp_path, serve):
    broken = PATHS[6]
    server = serve([rule(broken, status=503)])
    cap = 2
    settings = {"NEWSCLEAN_RETRY_FAILED_ATTEMPTS": str(cap)}
    for n in range(1, cap + 1):
        before = len(server.requests())
        run = crawl(tmp_path, server, settings)
        assert requests_of(server, broken, before) == [503] * (1 + RETRY_TIMES), n
        assert retried(run) == (0 if n == 1 else 1)
        assert row(tmp_path, server, broken)["failed_attempts"] == n
    before = len(server.requests())
    run = crawl(tmp_path, server, settings)  # failed in ``cap`` runs in a row: given up
    assert requests_of(server, broken, before) == []
    assert retried(run) == 0
    given_up = row(tmp_path, server, broken)
    assert (given_up["state"], given_up["reason"], given_up["failed_attempts"]) == ("failed", "http_503", cap)
    assert broken not in written_paths(tmp_path, server)


def test_the_default_cap_is_three_runs(tmp_path, serve):
    from crawler import settings

    assert settings.NEWSCLEAN_RETRY_FAILED_ATTEMPTS == 3
    broken = PATHS[6]
    server = serve([rule(broken, status=503)])
    for n in range(1, 5):
        before = len(server.requests())
        crawl(tmp_path, server, {"RETRY_TIMES": "0"})
        assert len(requests_of(server, broken, before)) == (1 if n <= 3 else 0), n


def test_zero_attempts_turns_retrying_off(tmp_path, serve):
    flaky = PATHS[4]
    server = serve([rule(flaky, status=503, times=1 + RETRY_TIMES)])
    crawl(tmp_path, server)
    assert row(tmp_path, server, flaky)["state"] == "failed"

    before = len(server.requests())
    run = crawl(tmp_path, server, {"NEWSCLEAN_RETRY_FAILED_ATTEMPTS": "0"})
    assert requests_of(server, flaky, before) == []
    assert retried(run) == 0 and "failed URLs are not retried" in run.stderr
    assert row(tmp_path, server, flaky)["state"] == "failed"

    before = len(server.requests())
    crawl(tmp_path, server)  # the default again: the failure was transient, it is fetched
    assert requests_of(server, flaky, before) == [200]
    assert flaky in written_paths(tmp_path, server)


def test_articles_refused_during_a_robots_txt_outage_are_fetched_by_the_next_run(tmp_path, serve):
    """A robots.txt answering 5xx refuses the whole host for the run (RFC 9309); the articles
    pending then fail as ``robots_unavailable``, an outage, not ``robots``, the site's will."""
    server = serve([{"path": r"^/robots\.txt$", "status": 503, "times": 1 + RETRY_TIMES}])  # all of run 1
    with SQLiteLedger(f"{tmp_path / 'out'}.state.sqlite") as ledger:  # discovered by an earlier run
        for path in PATHS:
            ledger.mark_discovered(server.base + path, "demo")
    run = crawl(tmp_path, server)
    assert not [p for p in server.paths() if p in PATHS]  # refused before any request
    assert {row(tmp_path, server, p)["reason"] for p in PATHS} == {"robots_unavailable"}
    assert f"failed={len(PATHS)} (robots_unavailable={len(PATHS)})" in run.stderr

    before = len(server.requests())
    run = crawl(tmp_path, server)
    assert retried(run) == len(PATHS) and f"retried_failed={len(PATHS)}" in run.stderr
    assert {p for p in server.paths()[before:] if p in PATHS} == set(PATHS)
    assert written_paths(tmp_path, server) == set(PATHS)
