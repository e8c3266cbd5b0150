"""The crawler's own signals: about each URL, and the output writer's opening.

The ledger itself is called directly (``crawler.extensions.ledger_of``); these are for whoever
else listens (a distributed worker, monitoring). Connect with ``crawler.signals.connect(handler, signal=url_discovered)``; handlers get the
keyword arguments listed. Nothing in the crawler depends on anyone listening.

- ``url_discovered(url, site, route, lastmod)``: a page URL is scheduled for the first time
  (``route``: sitemap, feed, link or start; ``lastmod``: the sitemap/feed date, or None).
- ``url_fetched(url, site, status, headers)``: a page was downloaded (article or link page).
- ``url_cleaned(url, site, doc_id)``: an article became a Document, buffered for writing;
  it is written when the file holding ``doc_id`` is committed.
- ``url_failed(url, site, reason)``: a page ends without a row: a fetch error, or a page the
  cleaning stages dropped (``reason`` tells which).
- ``writer_opened(writer)``: the pipeline's ``cleaning.dataset.DatasetWriter`` is open (its
  ledger hooks, ``crawler.state.ledger.LedgerCommitHook``, already set); a distributed worker
  keeps it to commit its rows when idle (``crawler.distributed.extension``).
"""
url_discovered = object()
url_fetched = object()
url_cleaned = object()
url_failed = object()
writer_opened = object()
