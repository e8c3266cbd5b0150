"""Signals the crawler sends about each URL: where a crawl ledger (``crawler.state``) hooks in.

Connect with ``crawler.signals.connect(handler, signal=url_discovered)``; handlers get the
keyword arguments listed. Nothing in the crawler depends on anyone listening.

- ``url_discovered(url, site, route, lastmod)``: a page URL is scheduled for the first time
  (``route``: sitemap, feed, link or start; ``lastmod``: the sitemap/feed date, or None).
- ``url_fetched(url, site, status, headers)``: a page was downloaded (article or link page).
- ``url_cleaned(url, site, doc_id)``: an article became a Document, buffered for writing;
  it is written when the file holding ``doc_id`` is committed.
- ``url_failed(url, site, reason)``: a page ends without a row: a fetch error, or a page the
  cleaning stages dropped (``reason`` tells which).
- ``writer_opened(writer)``: the ``cleaning.dataset.DatasetWriter`` is open; a ledger sets its
  ``before_commit`` / ``on_commit`` hooks here (see ``crawler.state.ledger.LedgerCommitHook``).
"""
url_discovered = object()
url_fetched = object()
url_cleaned = object()
url_failed = object()
writer_opened = object()
