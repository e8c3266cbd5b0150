"""Tests of the crawler, mirroring its modules; crawl tests run real Scrapy against local servers."""
