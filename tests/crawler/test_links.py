"""The article-page link scan finds the links LinkExtractor finds, without parsing the page."""
from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor

from crawler.links import LinkScanner

PAGES = sorted((Path(__file__).resolve().parents[1] / "cleaning" / "fixtures" / "pages").glob("*.html"))
BASE = "http://127.0.0.1:8000/tin/"


def scan_links(page: HtmlResponse, wanted=None) -> list[str]:
    """A fresh scanner's links (no memo from earlier pages)."""
    return LinkScanner(wanted)(page)


def response(body: bytes, url: str = BASE + "bai-12345.html") -> HtmlResponse:
    return HtmlResponse(url=url, body=body, encoding="utf-8")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_scan_finds_what_link_extractor_finds(path: Path) -> None:
    body = path.read_bytes()
    expected = {link.url.split("#")[0] for link in LinkExtractor(unique=True).extract_links(response(body))}
    found = {url.split("#")[0] for url in scan_links(response(body))}
    # "#section" links to the page itself are skipped: the page is never fetched again anyway.
    assert found == expected - {response(body).url}
    assert len(found) > 20


def test_scan_quotes_relative_base_entities_comments_and_filter() -> None:
    page = """<html><head><base href="/chuyen-muc/"></head><body>
    <a href="bai-1-11111.html">1</a> <a class=x href='/bai-2-22222.html?a=1&amp;b=2'>2</a>
    <a href=https://other.vn/x-33333.html>3</a> <!-- <a href="/hidden-44444.html">no</a> -->
    <a href="anh.jpg">img</a> <a href="mailto:a@b.vn">m</a> <a href="javascript:void(0)">j</a>
    <a href="/thời-sự/bài-55555.html">5</a> <link href="/style.css"> <a href="#top">top</a>
    <AREA HREF="/bai-1-11111.html"></body></html>""".encode()
    urls = scan_links(response(page))
    assert urls == ["http://127.0.0.1:8000/chuyen-muc/bai-1-11111.html",
                    "http://127.0.0.1:8000/bai-2-22222.html?a=1&b=2",
                    "https://other.vn/x-33333.html",
                    "http://127.0.0.1:8000/th%E1%BB%9Di-s%E1%BB%B1/b%C3%A0i-55555.html",
                    "http://127.0.0.1:8000/bai-1-11111.html"]
    assert scan_links(response(page), lambda u: "other.vn" not in u) == [u for u in urls if "other.vn" not in u]


def test_memoised_scanner_gives_what_a_fresh_scan_gives_on_every_page() -> None:
    """The memo is keyed by what an href's outcome depends on: relative links resolve per page."""
    scanner = LinkScanner(lambda u: "other.vn" not in u, max_entries=5)
    page = """<a href="bai-1-11111.html">r</a> <a href="/bai-2-22222.html">root</a>
    <a href="https://other.vn/x-1.html">off</a> <a href="//cdn.vn/y-2.html">proto</a>
    <a href="?trang=2">q</a> <a href="bài-3-33333.html">vi</a>""".encode()
    pages = [response(page, url) for url in (BASE + "a.html", "http://127.0.0.1:8000/khac/b.html",
                                              "https://127.0.0.1:8000/tin/c.html", BASE + "a.html?x=1")]
    for _ in range(2):
        for page_response in pages:
            assert scanner(page_response) == scan_links(page_response, lambda u: "other.vn" not in u)
    assert scanner(pages[1])[0] == "http://127.0.0.1:8000/khac/bai-1-11111.html"
    assert len(scanner._memo) <= 5 + 6   # cleared when full, then one page's hrefs


@pytest.mark.parametrize("encoding", ["utf-16", "cp1258", "utf-8"])
def test_scan_in_any_encoding_gives_what_link_extractor_gives(encoding: str) -> None:
    """Bytes are scanned when markup is ASCII in the page's encoding, the decoded text otherwise."""
    page = """<html><head><meta charset="{}"></head><body><a href="/bài-đăng-1-11111.html">1</a>
    <!-- <a href="/an-22222.html"></a> --><a href='/bai-3-33333.html?a=1&amp;b=2'>3</a>
    <a href="https://127.0.0.1:8000/đà-4-44444.html?q=bài">4</a></body></html>"""
    page_response = HtmlResponse(url=BASE + "a.html", body=page.format(encoding).encode(encoding), encoding=encoding)
    expected = [link.url for link in LinkExtractor(unique=True).extract_links(page_response)]
    assert scan_links(page_response) == expected
    # (w3lib quotes a UTF-16 page's query in UTF-16, BOM included: LinkExtractor's URLs, kept as they are)
    assert len(expected) == 3 and expected[0].startswith("http://127.0.0.1:8000/b%C3%A0i-%C4%91%C4%83ng-1-11111.html")
