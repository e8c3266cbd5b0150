"""The crawl's URL state (the ledger): what was discovered, fetched, written and failed, per URL.

``ledger``: the interface, states, commit protocol and recovery; ``sqlite_store`` and
``sqlite_ledger``: the ledger in one SQLite file; ``redis_store`` and ``redis_ledger``: the
ledger of a distributed crawl in Redis. The Parquet files themselves are ``cleaning.dataset``'s.
"""
