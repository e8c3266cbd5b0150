"""newsclean's downloader middlewares, one per module as in ``scrapy.downloadermiddlewares``.

In request order (their DOWNLOADER_MIDDLEWARES priorities in ``crawler.settings``):

- ``safetarget`` (40): unsafe targets (schemes, private addresses) refused before any connection;
- ``robotstxt`` (100): robots.txt obeyed with RFC 9309's reading of its failures;
- ``useragent`` (500): the User-Agent with the crawl's contact;
- ``retry`` (550): retries, robots.txt Crawl-delay and 429/503 back-off paced per host;
- ``metarefresh`` (580): ``<meta http-equiv="refresh">`` looked for without decoding every page;
- ``redirectguard`` (610): redirect loops, long chains, bad schemes and off-site hops refused;
- ``credentials`` (960): credentials never carried to another origin by a redirect.

Refusals are raised and counted by ``crawler.failures`` (``Refused``, ``count_refused``).
"""
