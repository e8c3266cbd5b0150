"""LazyMetaRefreshMiddleware: a meta refresh is followed in any encoding; a page without one is
passed on untouched (never decoded)."""
from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.downloadermiddlewares.metarefresh import LazyMetaRefreshMiddleware
from tests.conftest import to_cp1258
from tests.crawler.downloadermiddlewares.conftest import make_crawler

REFRESH = ('<html><head><META HTTP-EQUIV="Refresh" CONTENT="0; URL=/b"></head>'
           '<body><p>Đang chuyển…</p></body></html>')


def middleware() -> LazyMetaRefreshMiddleware:
    return LazyMetaRefreshMiddleware.from_crawler(make_crawler())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1258"])
def test_a_meta_refresh_redirects_in_any_encoding(encoding):
    body = to_cp1258(REFRESH) if encoding == "cp1258" else REFRESH.encode(encoding)
    page = HtmlResponse("https://example.org/a", body=body, encoding=encoding)
    result = middleware().process_response(Request("https://example.org/a"), page)
    # (in UTF-16, w3lib's URL encoding adds an empty query's byte order mark: ``/b?%FF%FE``)
    assert isinstance(result, Request) and result.url.startswith("https://example.org/b")


def test_a_page_without_refresh_is_returned_as_it_came():
    body = "<html><body><p>Tin tức</p></body></html>".encode("utf-16")
    page = HtmlResponse("https://example.org/a", body=body, encoding="utf-16")
    assert middleware().process_response(Request("https://example.org/a"), page) is page
    assert page._cached_ubody is None  # the body was never decoded (Scrapy caches the text once decoded)


def test_refresh_named_after_the_first_16_kib_is_not_looked_at():
    """Scrapy reads a meta refresh in the first 4,096 characters only: 16 KiB of bytes hold them."""
    body = b"<html><head>" + b" " * 16384 + REFRESH.encode()[len("<html><head>"):]
    page = HtmlResponse("https://example.org/a", body=body, encoding="utf-8")
    assert middleware().process_response(Request("https://example.org/a"), page) is page
