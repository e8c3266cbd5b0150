"""newsclean's cleaning library: HTML pages and text dumps in, clean ``Document`` records out.

Never imports Scrapy: the crawler, the command line and batch jobs all call it.
"""
from __future__ import annotations

import logging
import os
from collections import Counter

from cleaning.document import Document, Dropped

__all__ = ["Document", "Dropped", "clean_html", "clean_text", "process_html", "process_text", "DROPPED"]

log = logging.getLogger(__name__)

# Arrow's default allocator (mimalloc in pyarrow 26) maps ~60-85 MB at the first Parquet row
# group and keeps them for the life of the process (a crawl writes a row group every 1,000
# articles; measured in benchmarks/README.md "Crawl"); the C library's allocator costs nothing
# measurable here. Read by Arrow when it first allocates, so it is set before anything imports
# pyarrow; a value set by the user wins.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

#: Inputs the public API turned into None, by reason, for this process.
DROPPED: Counter[str] = Counter()


def _document_or_none(result: Document | Dropped, source: str | None) -> Document | None:
    if isinstance(result, Dropped):
        DROPPED[result.reason] += 1
        log.info("no article in %s: %s %s", source or "input", result.reason, result.detail)
        return None
    return result


def clean_text(text: str, source: str | None = None) -> Document | None:
    """Clean a plain-text dump of a page; None (reason logged and counted) when nothing is left."""
    from cleaning.text import process_text

    return _document_or_none(process_text(text, source), source)


def clean_html(html: str | bytes, url: str | None = None) -> Document | None:
    """Extract and clean the article of an HTML page (bytes as served, or str)."""
    from cleaning.html import process_html

    return _document_or_none(process_html(html, url), url)


def __getattr__(name: str):
    # ``from cleaning import process_html`` still works, but importing the package (the crawl
    # process does, for Document and dedup) no longer loads trafilatura, justext, htmldate and
    # langdetect (~36 MB), which only the cleaning workers run; the same for process_text.
    if name == "process_html":
        from cleaning.html import process_html

        return process_html
    if name == "process_text":
        from cleaning.text import process_text

        return process_text
    raise AttributeError(f"module 'cleaning' has no attribute {name!r}")
