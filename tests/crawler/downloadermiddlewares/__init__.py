"""Unit tests of the downloader middlewares, one module each (crawler/downloadermiddlewares/)."""
