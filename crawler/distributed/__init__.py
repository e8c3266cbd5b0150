"""A crawl over several worker processes or machines: scrapy-redis plus newsclean's Redis ledger.

Start the same ``newsclean crawl SITE... -o OUT --redis URL`` on any number of machines; each
is one worker. ``settings``: what ``--redis`` adds to the settings (the ``news_redis`` spider,
scrapy-redis's shared queue and duplicate filter, the Redis ledger, shared politeness) and each
worker's folder; ``scheduler``: the shared queue, leasing what it hands out; ``extension``: the
Redis ledger for the length of a worker's crawl (heartbeat, reaping dead workers' work);
``politeness``: per-domain limits across workers. The spider is
``crawler.spiders.news_redis``; the ledger ``crawler.state.redis_ledger``.

Each worker writes its own dataset folder ``OUT/worker-<id>/``; ``pyarrow.parquet.read_table(OUT)``
reads them all as one dataset. A worker never sweeps or recovers another's folder while it runs;
a dead worker's pending commit is settled by a live one (``RedisLedger.settle_dead_commits``).
"""
