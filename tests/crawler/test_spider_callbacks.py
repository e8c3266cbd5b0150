"""The spiders' callbacks never return a value from a generator (Scrapy would drop it silently):
checked here once, since the per-response check is off (WARN_ON_GENERATOR_RETURN_VALUE)."""
from __future__ import annotations

import inspect

import pytest
from scrapy.utils.misc import is_generator_with_return_value

from crawler.spiders.news import NewsSpider
from crawler.spiders.news_redis import RedisNewsSpider


@pytest.mark.parametrize("spider", [NewsSpider, RedisNewsSpider], ids=lambda s: s.__name__)
def test_no_generator_callback_returns_a_value(spider: type) -> None:
    generators = [name for name, member in inspect.getmembers(spider, inspect.isgeneratorfunction)
                  if not name.startswith("_")]
    assert "parse_page" in generators
    assert [name for name in generators if is_generator_with_return_value(getattr(spider, name))] == []
