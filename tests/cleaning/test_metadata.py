from __future__ import annotations

from datetime import timezone

import lxml.html

from cleaning.metadata import canonical_url, extract_metadata, meta_tags, parse_datetime, naive_offset


def meta_of(html: str, url: str | None = None):
    tree = lxml.html.document_fromstring(html)
    return extract_metadata(tree, url, lambda e: "sapo" in (e.get("class") or ""), {"vn": "+07:00"})


def test_published_zones():
    vn = naive_offset("https://tuoitre.vn/a.htm", {"vn": "+07:00"})
    assert parse_datetime("2026-03-07T08:01:53", vn).isoformat() == "2026-03-07T01:01:53+00:00"
    assert parse_datetime("2026-03-07T08:01:53+07:00").isoformat() == "2026-03-07T01:01:53+00:00"
    assert parse_datetime("2026-03-07T08:01:53Z").isoformat() == "2026-03-07T08:01:53+00:00"
    assert parse_datetime("2026-03-07 08:01:53+0700").hour == 1
    assert parse_datetime("Sat, 07 Mar 2026 08:01:53 +0700").hour == 1
    assert parse_datetime("07/03/2026 08:01 GMT+7").isoformat() == "2026-03-07T01:01:00+00:00"
    assert parse_datetime("not a date") is None
    assert parse_datetime("2026-03-07T08:01:53", timezone.utc).tzinfo is not None


def test_json_ld_with_entities_and_graph():
    html = """<html><head><title>Chi&#7871;n s&#7921; - Báo</title>
    <script type="application/ld+json">{"@graph":[{"@type":"WebSite","name":"Báo"},
      {"@type":"NewsArticle","headline":"Chi&amp;#7871;n s&amp;#7921; đẩy giá hoa","datePublished":"2026-03-07T08:01:53+07:00",
       "author":[{"@type":"Person","name":"NHẬT XUÂN"},{"@type":"Organization","name":"TUOI TRE ONLINE"}]}]}</script>
    </head><body><h1>Chiến sự đẩy giá hoa</h1><h2 class="sapo">Xung đột ở khu vực Trung Đông khiến các shop hoa ghi nhận tình trạng khan hiếm.</h2></body></html>"""
    meta = meta_of(html, "https://tuoitre.vn/a.htm")
    assert meta.title == "Chiến sự đẩy giá hoa"
    assert meta.author == "NHẬT XUÂN"
    assert meta.published.isoformat() == "2026-03-07T01:01:53+00:00"
    assert meta.lead.startswith("Xung đột")


def test_headline_prefers_matching_h1_over_logo():
    html = """<html><head><meta property="og:title" content="Những sai sót hộ kinh doanh thường gặp"></head>
    <body><h1 class="logo">Báo Người Lao Động</h1><h1>Những sai sót hộ kinh doanh thường gặp khi thực hiện quy định</h1></body></html>"""
    assert meta_of(html).title == "Những sai sót hộ kinh doanh thường gặp khi thực hiện quy định"
    html = "<html><head><title>Headline here | Site</title></head><body><p>x</p></body></html>"
    assert meta_of(html).title == "Headline here"


def test_canonical():
    tree = lxml.html.document_fromstring('<html><head><link rel="canonical" href="/a/b.html"></head><body></body></html>')
    assert canonical_url(tree, meta_tags(tree), "https://x.vn/a/b.html?utm=1") == "https://x.vn/a/b.html"
    tree = lxml.html.document_fromstring('<html><head><link rel="canonical" href="https://x.vn/"></head><body></body></html>')
    assert canonical_url(tree, meta_tags(tree), "https://x.vn/a/b.html") == "https://x.vn/a/b.html"
    tree = lxml.html.document_fromstring('<html><head><meta property="og:url" content="https://x.vn/c.html"></head><body></body></html>')
    assert canonical_url(tree, meta_tags(tree), None) == "https://x.vn/c.html"


def test_site_name_is_not_an_author():
    html = """<html><head><meta name="author" content="VnExpress"><meta property="og:site_name" content="VnExpress"></head><body></body></html>"""
    assert meta_of(html).author is None
