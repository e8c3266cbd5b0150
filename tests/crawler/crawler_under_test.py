"""A configured Scrapy crawler without a crawl: for unit tests of extensions and pipelines.

``make_crawler(**settings)``: crawler.settings' NEWSCLEAN_* values, then ``settings``; only the
extensions named in ``extensions`` are enabled. Its extensions are built (as at a crawl's start),
its stats are real; no spider runs, no reactor is started.
"""
from __future__ import annotations

from scrapy.utils.test import get_crawler

from crawler import settings as defaults


def make_crawler(extensions: tuple[str, ...] = (), **settings: object):
    base = {name: getattr(defaults, name) for name in dir(defaults) if name.startswith("NEWSCLEAN_")}
    return get_crawler(settings_dict={**base, "EXTENSIONS": {name: 100 for name in extensions}, **settings})
