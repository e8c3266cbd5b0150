"""newsclean's Scrapy project: spiders, downloader middlewares, discovery, the crawl frontier,
the article decision, the pipeline and the crawl ledger (``crawler.state``).

Importing it has no side effect: the crawl process is set up by ``crawler.settings``.
"""
