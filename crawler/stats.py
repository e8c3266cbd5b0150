"""The crawl's own counters in Scrapy's stats: their keys are built and read here only.

``newsclean/<site>/<key>`` counts per site (``discovered``, ``written``, ``skipped/<reason>``,
``failed/<reason>``...); ``newsclean/<key>`` counts for the whole crawl (``files_committed``,
``robots_unavailable``...). ``site_counts`` reads the per-site ones back and ``format_site``
is the summary line of one site (progress lines and the end of ``newsclean crawl``).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

PREFIX = "newsclean/"
#: ``discovered``/``fetched`` count article candidates; ``not_article`` those judged not articles
#: (listing, category, tag pages: crawler.articles); ``link_pages`` pages fetched for links only.
MAIN_KEYS = ("discovered", "fetched", "written", "not_article", "link_pages")
#: Shown after MAIN_KEYS when not zero: rows cleaned and handed to the writer (``written`` counts
#: them when their file commits, every NEWSCLEAN_MAX_ROWS_PER_FILE rows and at the end), failed
#: URLs of earlier runs sent back to be fetched again, then incremental crawls and dedup.
EXTRA_KEYS = ("cleaned", "retried_failed", "resumed", "unchanged", "revalidated", "not_modified", "gone",
              "duplicates", "near_duplicates", "feeds_announced", "refollowed", "requeued")


def crawl_key(key: str) -> str:
    """The stats key of a whole-crawl counter: ``newsclean/<key>``."""
    return f"{PREFIX}{key}"


def site_key(site: str, key: str) -> str:
    """The stats key of a per-site counter: ``newsclean/<site>/<key>``."""
    return f"{PREFIX}{site}/{key}"


def count(crawler: Crawler, site: str | None, key: str, n: int = 1) -> None:
    """Add ``n`` to a counter: per site, or for the whole crawl when ``site`` is None."""
    crawler.stats.inc_value(crawl_key(key) if site is None else site_key(site, key), n)


def site_counts(stats: Mapping[str, object]) -> dict[str, Counter[str]]:
    """``newsclean/<site>/<key>`` stats -> {site: Counter(key: n)} (sites only, not globals)."""
    sites: dict[str, Counter[str]] = defaultdict(Counter)
    for name, value in stats.items():
        if name.startswith(PREFIX) and isinstance(value, int):
            parts = name[len(PREFIX):].split("/", 1)
            if len(parts) == 2:
                sites[parts[0]][parts[1]] += value
    return dict(sites)


def format_site(site: str, counts: Counter[str]) -> str:
    """``site: discovered=12 fetched=12 written=11 link_pages=3 skipped=1 (no_article=1) failed=0``."""
    parts = [f"{key}={counts.get(key, 0)}" for key in MAIN_KEYS]
    parts += [f"{key}={counts[key]}" for key in EXTRA_KEYS if counts.get(key)]
    for group in ("cut", "skipped", "failed"):
        reasons = {k.split("/", 1)[1]: v for k, v in counts.items() if k.startswith(group + "/")}
        if group == "cut" and not reasons:
            continue  # links not followed (traps, calendars): shown only when some were
        detail = " (" + ", ".join(f"{k}={v}" for k, v in sorted(reasons.items())) + ")" if reasons else ""
        parts.append(f"{group}={sum(reasons.values())}{detail}")
    return f"{site}: " + " ".join(parts)
