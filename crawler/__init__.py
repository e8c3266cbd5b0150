"""newsclean's Scrapy project: spiders, items, pipelines, middlewares and the crawl ledger."""

# The cleaning package first: it sets Arrow's allocator before anything here imports pyarrow.
import cleaning  # noqa: F401
