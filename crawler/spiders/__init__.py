"""The spiders: ``news`` (``news.py``) and its scrapy-redis variant for distributed crawls (``news_redis.py``)."""
