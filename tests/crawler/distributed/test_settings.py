from __future__ import annotations

from pathlib import Path

from crawler.distributed.settings import redis_settings, worker_folder, worker_id, worker_settings
from crawler.runner import crawl_settings


def test_a_worker_runs_the_redis_spider_scheduler_ledger_and_politeness():
    settings = crawl_settings(worker_settings("redis://127.0.0.1:1/0", {"NEWSCLEAN_WORKER_ID": "w1"}))
    assert settings.get("NEWSCLEAN_SPIDER") == "news_redis"
    assert settings.get("SCHEDULER") == "crawler.distributed.scheduler.LeasingScheduler"
    extensions = settings.getdict("EXTENSIONS")
    assert extensions["crawler.extensions.CrawlLedger"] is None
    assert extensions["crawler.distributed.extension.RedisCrawlLedger"] == 100
    assert "crawler.distributed.politeness.RedisPolitenessMiddleware" in settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert worker_id(settings) == "w1" and settings.get("REDIS_URL") == "redis://127.0.0.1:1/0"


def test_the_prefix_names_every_shared_key_and_overrides_win():
    settings = worker_settings("redis://h/0", {"NEWSCLEAN_REDIS_PREFIX": "crawl2", "SCHEDULER_PERSIST": False})
    assert settings["SCHEDULER_QUEUE_KEY"] == "crawl2:%(spider)s:requests"
    assert settings["SCHEDULER_DUPEFILTER_KEY"] == "crawl2:%(spider)s:dupefilter"
    assert settings["NEWSCLEAN_REDIS_PREFIX"] == "crawl2" and settings["SCHEDULER_PERSIST"] is False
    assert redis_settings("redis://h/0")["NEWSCLEAN_REDIS_PREFIX"] == "newsclean"


def test_each_worker_writes_its_own_folder():
    assert worker_folder("out", "w1") == Path("out/worker-w1")
    assert worker_id(crawl_settings({})) != ""  # host-pid when none is given
