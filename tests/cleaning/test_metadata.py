from __future__ import annotations

from datetime import timezone

import lxml.html

from cleaning.dates import parse_datetime, site_zone
from cleaning.metadata import canonical_url, extract_metadata
from cleaning.structured import meta_tags


def meta_of(html: str, url: str | None = None):
    tree = lxml.html.document_fromstring(html)
    return extract_metadata(tree, url, lambda e: "sapo" in (e.get("class") or ""), {"vn": "+07:00"})


def test_published_zones():
    vn = site_zone("https://tuoitre.vn/a.htm", {"vn": "+07:00"})
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


# Publication time: each source below is a snippet of a real page (wcxb-dev) that states its date
# only there; the expected value is the page's own date, in UTC.

def test_published_from_json_ld_web_page():
    """Yoast-style @graph: datePublished on the WebPage object, no Article object (wcxb-dev 0280)."""
    html = """<html><head><script type="application/ld+json">{"@context":"https://schema.org","@graph":[
      {"@type":"ImageObject","url":"https://www.park.edu/wp-content/uploads/2025/02/ai-tutor.png","datePublished":"2020-01-01"},
      {"@type":"WebPage","@id":"https://www.park.edu/blog/ai-tutor/","datePublished":"2025-02-14T18:47:52+00:00"}]}</script>
    </head><body><h1>AI tutors</h1></body></html>"""
    assert meta_of(html, "https://www.park.edu/blog/ai-tutor/").published.isoformat() == "2025-02-14T18:47:52+00:00"


def test_published_written_out_in_json_ld():
    """datePublished "Feb 08, 2022" (wcxb-dev 0055): a day, midnight in the page's zone."""
    html = """<html><head><script type="application/ld+json">{"@type":"BlogPosting","headline":"Tips",
      "datePublished":"Feb 08, 2022","dateModified":"Jul 18, 2025"}</script></head><body></body></html>"""
    assert meta_of(html, "https://example.vn/tips").published.isoformat() == "2022-02-07T17:00:00+00:00"
    assert parse_datetime("19. Dezember 2025").isoformat() == "2025-12-19T00:00:00+00:00"
    assert parse_datetime("Jul 2025") is None and parse_datetime("2025-07") is None  # a month is not a day


def test_published_from_more_meta_names():
    """htmldate's publication meta names (wcxb-dev 0473 date-pub, 4599 og:article:published_time)."""
    html = '<html><head><meta name="date-pub" content="2025-12-19"></head><body></body></html>'
    assert meta_of(html).published.date().isoformat() == "2025-12-19"
    html = ('<html><head><meta property="og:article&#x3A;published_time" content="2026-01-14T18:50:43+00:00"/>'
            '</head><body></body></html>')
    assert meta_of(html).published.isoformat() == "2026-01-14T18:50:43+00:00"


def test_published_from_microformat():
    """<abbr class="published" itemprop="datePublished" title=...> (Blogger, wcxb-dev 0441)."""
    html = """<html><body><h1>Small adventures with small language models</h1><div class="post-footer">
      <a class="timestamp-link" href="/x.html" rel="bookmark" title="permanent link"><abbr class="published"
      itemprop="datePublished" title="2025-12-19T15:18:00-05:00">December 19, 2025</abbr></a></div></body></html>"""
    assert meta_of(html).published.isoformat() == "2025-12-19T20:18:00+00:00"


def test_published_from_url_path():
    html = "<html><body><h1>What tutoring is</h1><p>Text.</p></body></html>"
    url = "https://blogs.chapman.edu/scst/2016/02/09/what-tutoring-is-and-what-tutoring-is-not/"
    assert meta_of(html, url).published.date().isoformat() == "2016-02-09"
    assert meta_of(html, "https://x.com/2016/02/what-tutoring-is/").published is None  # a month is no day


def test_published_from_dateline_beside_headline():
    """A visible dateline after the h1 (wcxb-dev 0114), or just above it; prose in the body and
    a date far below the headline are not taken for it."""
    html = """<html><head><title>Online classes | Shorelight</title></head><body><h1>Everything You Need to Know About
      Online Classes</h1><div class="authorDateBlock"><div><b>By <span>Reyan Perumal</span></b></div>
      <div>Published on July 18, 2025</div></div><p>Online classes have grown in popularity since March 3, 2020.</p>
      </body></html>"""
    assert meta_of(html).published.date().isoformat() == "2025-07-18"
    html = """<html><body><div class="hero"><h5 class="hero-preheadline">January 23, 2025</h5>
      <h1>Why it matters</h1></div><p>Since the law of 12 March 2019 came into force, the courts have ruled
      on it many times and the rules that followed it have changed how firms report.</p></body></html>"""
    assert meta_of(html).published.date().isoformat() == "2025-01-23"
    html = """<html><body><h1>Why it matters</h1><p>Since the law of 12 March 2019 came into force, the courts
      have ruled on it many times and the rules that followed have changed how firms report.</p></body></html>"""
    assert meta_of(html).published is None


def test_published_modified_only_as_last_resort():
    html = """<html><head><meta property="article:modified_time" content="2025-04-19T23:02:46+00:00"></head>
      <body><h1>Video marketing</h1></body></html>"""
    assert meta_of(html).published.isoformat() == "2025-04-19T23:02:46+00:00"
    html = html.replace("<head>", '<head><meta property="article:published_time" content="2024-02-01T15:46:14+00:00">')
    assert meta_of(html).published.isoformat() == "2024-02-01T15:46:14+00:00"


def test_published_from_htmldate_when_nothing_else():
    """No headline, no date markup: htmldate's fast search finds the date element (wcxb-dev 4051)."""
    html = """<html><body><div class="menu"><a href="/">Home</a></div><div class="content"><div class="date flex">
      <img src="/themes/custom/images/date.svg" alt="date"><span>12 Nov 2025</span></div>
      <p>Charging at home is the cheapest way to run an electric car for most drivers.</p></div></body></html>"""
    assert meta_of(html, "https://pod-point.com/guides/charging").published.date().isoformat() == "2025-11-12"


def test_author_from_microdata_and_rel_author():
    """No JSON-LD or meta author: the name the page marks up (Blogger's itemprop=author, wcxb-dev
    0441; a WordPress rel=author link, 0413); "By" dropped, a date or a long line is no name."""
    html = """<html><body><h1>Small adventures</h1><span class="post-author vcard">Posted by
      <span class="fn" itemprop="author" itemscope itemtype="http://schema.org/Person">
      <meta content="https://www.blogger.com/profile/1" itemprop="url"><span itemprop="name">Mike Woodward</span></span></span>
      </body></html>"""
    assert meta_of(html).author == "Mike Woodward"
    html = """<html><body><h1>Colour trends</h1><p class="byline"><a href="/author/tom-may/" rel="author">By Tom May</a>
      </p></body></html>"""
    assert meta_of(html).author == "Tom May"
    html = """<html><head><meta property="og:site_name" content="Creative Bloq"></head><body><h1>Colour trends</h1>
      <a rel="author" href="/a">Posted 12 December 2025</a><a rel="author" href="/b">Creative Bloq</a></body></html>"""
    assert meta_of(html).author is None


def test_headline_is_not_the_site_name_h1():
    """The blog's name in an h1 above the post's h1 agrees with a <title> that holds both
    (wcxb-dev 0479); an h1 that is og:site_name is never the headline (0186: three of them)."""
    html = """<html><head><title>The December Comfort Watches 2025, Day Eighteen: Starship Troopers | Whatever</title>
      <meta property="og:title" content="The December Comfort Watches 2025, Day Eighteen: Starship Troopers"></head>
      <body><h1 class="site-title"><a href="/">Whatever</a></h1><article><h1 class="entry-title">The December Comfort
      Watches 2025, Day Eighteen: Starship Troopers</h1><p>Text.</p></article></body></html>"""
    meta = meta_of(html)
    assert meta.title == "The December Comfort Watches 2025, Day Eighteen: Starship Troopers"
    assert meta.headline.get("class") == "entry-title"
    html = """<html><head><title>A Beginner’s Guide to Skincare – The Southerner</title>
      <meta property="og:title" content="A Beginner’s Guide to Skincare"><meta property="og:site_name" content="The Southerner">
      </head><body><h1 class="logo">The Southerner</h1><h2>A Beginner’s Guide to Skincare</h2></body></html>"""
    meta = meta_of(html)
    assert meta.title == "A Beginner’s Guide to Skincare" and meta.headline is None
