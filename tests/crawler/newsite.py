"""A generated news site of real pages, for crawl tests: ``build_news_site(root, trap_base)``, and
what a crawl of it must give (``check_rows``, ``check_requests``).

The pages are real (``tests/fixtures/sites``: wcxb-dev, trafilatura-eval and Vietnamese devset
pages in ten languages; listing and collection pages of wcxb-dev as the site's fronts); only
their links are rewritten to point inside the site, and feed ``<link>`` tags added. Articles sit
at the URL shapes news sites use and are found by one route each:

    route                       shape                               how the crawl finds it
    gzip sitemap (via index)    /2025/05/03/<slug>/                 robots.txt -> sitemap index -> .xml.gz
    news sitemap (via index)    /news/world/<slug>                  <news:news> entries
    RSS                         /politics/<slug>-20250503.html      <link rel=alternate> on the home page
    Atom                        /story.php?id=<n>                   <link rel=alternate> on the home page
    category feed               /a/<n>.html                         <link rel=alternate> on a category page
    two hops from home          /news/world/<slug>                  home -> category -> article
    only linked from articles   /2025/05/04/<slug>/                 an article's links

Beside them: listing pages with teasers (home, categories, a second page, tag, author, a date
archive with 30 dates), a plain sitemap that also lists category pages, links with tracking
parameters and a session id, a second URL of an article (same canonical), a relative link that
repeats its path, a robots.txt-disallowed article, an offsite link (``localhost``: another host
name for the same server) and links to a private address (``trap_base``, another loopback
server that must never be asked). Absolute URLs in feeds and sitemaps are ``{{BASE}}``, which
``crawler.demo.server`` replaces.
"""
from __future__ import annotations

import csv
import gzip
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cleaning.metrics import shingle_f1

if TYPE_CHECKING:
    from tests.servers import DemoServer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SITE_PAGES = FIXTURES / "sites"
VI_PAGES = FIXTURES / "devset" / "vi"
HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
CANONICAL = re.compile(r"""<link\b[^>]*\brel\s*=\s*["']?canonical["']?[^>]*>""", re.I)
ROUTES = ("gzip_sitemap", "news_sitemap", "rss", "atom", "category_feed", "two_hops", "from_articles")
ROUTE_SIZES = {"gzip_sitemap": 8, "news_sitemap": 7, "rss": 6, "atom": 5, "category_feed": 5, "two_hops": 7,
               "from_articles": 5}
LISTINGS = ("/", "/news/world/", "/politics/", "/news/world/page/2/", "/tag/economy/", "/author/jane-doe/",
            "/archive/2025/05/03/", "/about/")
DATES = 30  # date archive pages, one linking to the next: a calendar trap


@dataclass
class Article:
    id: str
    route: str
    path: str
    gold: str | None = None          # full text (wcxb-dev, vi)
    snippets: list[str] = field(default_factory=list)  # trafilatura-eval: text that must be there
    language: str = ""


@dataclass
class NewsSite:
    root: Path
    articles: list[Article]
    listings: list[str]          # paths of the listing/other pages (never written)
    disallowed: str              # a robots.txt-disallowed article path
    duplicate: tuple[str, str]   # (an article path, its second URL)

    def by_path(self) -> dict[str, Article]:
        return {a.path: a for a in self.articles}


def _read(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


def _fixtures() -> tuple[list[tuple[str, str, dict]], list[str]]:
    """(articles as (id, html, gold info), listing pages' html), in manifest order."""
    articles, listings = [], []
    rows = csv.DictReader(open(SITE_PAGES / "manifest.tsv", encoding="utf-8"), delimiter="\t")
    for row in rows:
        page = _read(SITE_PAGES / "pages" / f"{row['id']}.html.gz")
        if row["kind"] == "listing":
            listings.append(page)
            continue
        gold_file = SITE_PAGES / "pages" / row["gold"]
        if gold_file.suffix == ".json":
            info = {"snippets": json.loads(gold_file.read_text(encoding="utf-8"))["with"]}
        else:
            info = {"gold": gold_file.read_text(encoding="utf-8")}
        articles.append((row["id"], page, {**info, "language": row["language"]}))
    for row in csv.DictReader(open(VI_PAGES / "manifest.tsv", encoding="utf-8"), delimiter="\t"):
        page = (VI_PAGES / "pages" / f"{row['id']}.html").read_text(encoding="utf-8")
        gold = (VI_PAGES / "gold" / f"{row['id']}.txt").read_text(encoding="utf-8")
        # The vi gold starts with the headline (see its README); the row's text has no title.
        articles.append((row["id"], page, {"gold": gold.split("\n", 1)[1], "language": "vi"}))
    return articles, listings


def _slug(n: int) -> str:
    words = ("story", "report", "update", "analysis", "feature", "notes", "review", "brief")
    return f"{words[n % len(words)]}-on-the-{['city', 'market', 'season', 'vote', 'river'][n % 5]}-{n:03d}"


def _path(route: str, n: int) -> str:
    if route == "gzip_sitemap":
        return f"/2025/05/03/{_slug(n)}/"
    if route in ("news_sitemap", "two_hops"):
        return f"/news/world/{_slug(n)}"
    if route == "rss":
        return f"/politics/{_slug(n)}-20250503.html"
    if route == "atom":
        return f"/story.php?id={1200 + n}"
    if route == "category_feed":
        return f"/a/{n}.html"
    return f"/2025/05/04/{_slug(n)}/"


def _file_for(root: Path, path: str) -> Path:
    """Where the server finds ``path``: folders serve index.html, queries are in the file name."""
    relative = path.lstrip("/")
    if not relative or relative.endswith("/"):
        return root / relative / "index.html"
    if "?" in relative or "." in relative.rsplit("/", 1)[-1]:
        return root / relative
    return root / relative / "index.html"


def _relink(page: str, targets: list[str]) -> str:
    """Every ``<a href>`` of the page pointed at ``targets`` in turn (the page's own layout kept)."""
    counter = iter(range(10**9))

    def replace(match: re.Match) -> str:
        return f'{match.group(1)}"{html.escape(targets[next(counter) % len(targets)])}"'

    return HREF.sub(replace, page) if targets else page


def _add_to_head(page: str, markup: str) -> str:
    index = page.lower().find("</head>")
    return page[:index] + markup + page[index:] if index >= 0 else markup + page


def _add_to_body(page: str, markup: str) -> str:
    index = page.lower().rfind("</body>")
    return page[:index] + markup + page[index:] if index >= 0 else page + markup


def _set_canonical(page: str, url: str) -> str:
    page = CANONICAL.sub("", page)
    return _add_to_head(page, f'<link rel="canonical" href="{url}">')


def _feed_link(kind: str, path: str) -> str:
    return f'<link rel="alternate" type="application/{kind}+xml" title="feed" href="{path}">'


def _write(root: Path, path: str, text: str | bytes) -> None:
    target = _file_for(root, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def _urlset(paths: list[str], news: bool = False) -> str:
    entries = []
    for path in paths:
        loc = html.escape("{{BASE}}" + path)
        extra = ("<news:news><news:publication><news:name>Site</news:name><news:language>en</news:language>"
                 "</news:publication><news:publication_date>2025-05-03T08:00:00+00:00</news:publication_date>"
                 "<news:title>Story</news:title></news:news>") if news else "<lastmod>2025-05-03</lastmod>"
        entries.append(f"<url><loc>{loc}</loc>{extra}</url>")
    namespace = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            f'{namespace}>\n' + "\n".join(entries) + "\n</urlset>\n")


def _rss(paths: list[str]) -> str:
    items = "".join(f"<item><title>Story {i}</title><link>{html.escape('{{BASE}}' + p)}</link>"
                    f"<pubDate>Sat, 03 May 2025 08:0{i % 10}:00 GMT</pubDate></item>" for i, p in enumerate(paths))
    return f'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Site</title>{items}</channel></rss>\n'


def _atom(paths: list[str]) -> str:
    entries = "".join(f'<entry><title>Story {i}</title><link rel="alternate" href="{html.escape("{{BASE}}" + p)}"/>'
                      f"<updated>2025-05-03T08:00:00Z</updated></entry>" for i, p in enumerate(paths))
    return f'<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>Site</title>{entries}</feed>\n'


#: Hostile pages (``build_news_site(hostile=True)``), linked from the home page: path -> body.
HOSTILE = {
    "/hostile/nuls.html": b"\0" * 1_000_000,
    "/hostile/pdf.html": b"%PDF-1.7\n" + bytes(range(256)) * 400,
    "/hostile/empty.html": b"",
    "/hostile/blank.html": b"<html></html>",
    "/hostile/deep.html": b"<html><body>" + b"<div>" * 100_000 + b"<p>deep</p></body></html>",
    "/hostile/vni.html": ("<html><body><p>" + "Vieät Nam laø moät quoác gia naèm ôû Ñoâng Nam AÙ, coù daân soá hôn "
                          "moät traêm trieäu ngöôøi. " * 20 + "</p></body></html>").encode("cp1252"),
    "/hostile/script-only.html": b"<html><head><script>document.write('<p>' + 'x'.repeat(9000))</script></head>"
                                 b"<body><div id=app></div></body></html>",
    "/hostile/huge.html": b"<html><body>" + b"<p>" + b"lorem ipsum dolor sit amet " * 450_000 + b"</p></body></html>",
}


def build_news_site(root: Path, trap_base: str, hostile: bool = False) -> NewsSite:
    """Write the site under ``root``; ``trap_base`` (``http://127.0.0.2:PORT``) must never be
    requested. ``hostile``: add the HOSTILE pages, linked from the home page (plus a missing one)."""
    pages, listing_pages = _fixtures()
    articles: list[Article] = []
    index = 0
    for route in ROUTES:
        for _ in range(ROUTE_SIZES[route]):
            page_id, _, info = pages[index]
            articles.append(Article(page_id, route, _path(route, index), gold=info.get("gold"),
                                    snippets=info.get("snippets", []), language=info["language"]))
            index += 1
    assert index == len(pages), f"{len(pages)} article pages, {index} placed"
    routed = {route: [a.path for a in articles if a.route == route] for route in ROUTES}
    html_of = {a.path: page for a, (_, page, _) in zip(articles, pages)}

    disallowed = "/private/exclusive-story-on-the-vote/"
    duplicate = (routed["news_sitemap"][0], routed["news_sitemap"][0] + "?ref=home")
    offsite = "http://localhost:{{PORT}}/offsite-story-on-the-city/"
    private = [f"{trap_base}/private-story.html", f"{trap_base}/admin/"]

    # Article pages: links to the home, fronts and the articles of the announced routes; the
    # first gzip-sitemap articles link to those found only from articles.
    common = ["/", "/news/world/", "/politics/"] + routed["rss"] + routed["atom"] + routed["gzip_sitemap"]
    for n, article in enumerate(articles):
        targets = list(common)
        if article.route == "gzip_sitemap":
            targets = routed["from_articles"] + targets
        targets.append(routed["rss"][n % len(routed["rss"])] + "?utm_source=newsletter&utm_medium=email")
        page = _relink(html_of[article.path], targets)
        if article.route == "news_sitemap":  # same-site canonical: a second URL is the same row
            page = _set_canonical(page, "{{BASE}}" + article.path)
        _write(root, article.path, page)
    _write(root, disallowed, _relink(html_of[routed["gzip_sitemap"][0]], ["/"]))

    # Listing pages: real fronts, links rewritten.
    fronts = ["/news/world/", "/politics/", "/tag/economy/", "/author/jane-doe/", "/about/",
              "/archive/2025/05/03/", "/search?q=market"]
    home_targets = fronts + routed["rss"][:2] + [disallowed, offsite, *private, "news/world/news/world/news/world/",
                                                 routed["atom"][0] + ";jsessionid=0AB12CD", duplicate[1]]
    if hostile:
        home_targets += [*HOSTILE, "/hostile/missing.html"]
        for path, body in HOSTILE.items():
            _write(root, path, body)
    listing_links = {
        "/": home_targets,
        "/news/world/": routed["two_hops"][:4] + ["/news/world/page/2/", "/", "/politics/"],
        "/politics/": routed["two_hops"][4:] + ["/", "/news/world/", offsite],
        "/news/world/page/2/": routed["two_hops"] + ["/news/world/", "/"],
        "/tag/economy/": routed["rss"] + ["/", "/author/jane-doe/"],
        "/author/jane-doe/": routed["atom"] + ["/", "/tag/economy/"],
        "/archive/2025/05/03/": [f"/archive/2025/{4 + d // 28:02d}/{1 + d % 28:02d}/" for d in range(DATES)] + ["/"],
        "/about/": ["/", *private],
    }
    for n, path in enumerate(LISTINGS):
        page = _relink(listing_pages[n % len(listing_pages)], listing_links[path])
        page = _add_to_body(page, "".join(f'<a href="{html.escape(t)}">more</a> ' for t in listing_links[path]))
        if path == "/":
            page = _add_to_head(page, _feed_link("rss", "/feeds/rss.xml") + _feed_link("atom", "/feeds/atom.xml"))
        if path == "/politics/":
            page = _add_to_head(page, _feed_link("rss", "/feeds/politics.rss"))
        _write(root, path, page)
    dates = [f"/archive/2025/{4 + d // 28:02d}/{1 + d % 28:02d}/" for d in range(DATES)]
    for d, path in enumerate(dates):
        following = dates[d + 1: d + 3] + ["/"]
        _write(root, path, _relink(listing_pages[d % len(listing_pages)], following))

    # Discovery files.
    _write(root, "/robots.txt", "User-agent: *\nDisallow: /private/\nDisallow: /search\n\n"
                                "Sitemap: {{BASE}}/sitemap_index.xml\n")
    index_xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 "<sitemap><loc>{{BASE}}/sitemaps/posts.xml.gz</loc></sitemap>"
                 "<sitemap><loc>{{BASE}}/sitemaps/news.xml</loc></sitemap>"
                 "<sitemap><loc>{{BASE}}/sitemaps/pages.xml</loc></sitemap></sitemapindex>\n")
    _write(root, "/sitemap_index.xml", index_xml)
    _write(root, "/sitemaps/posts.xml.gz", gzip.compress(_urlset(routed["gzip_sitemap"]).encode(), mtime=0))
    _write(root, "/sitemaps/news.xml", _urlset(routed["news_sitemap"], news=True))
    _write(root, "/sitemaps/pages.xml", _urlset(["/news/world/", "/politics/", "/about/"]))
    _write(root, "/feeds/rss.xml", _rss(routed["rss"]))
    _write(root, "/feeds/atom.xml", _atom(routed["atom"]))
    _write(root, "/feeds/politics.rss", _rss(routed["category_feed"]))
    listings = list(LISTINGS) + dates + (list(HOSTILE) if hostile else [])
    return NewsSite(root, articles, listings, disallowed, duplicate)


# --- what a crawl of the site must give ---------------------------------------------------------

def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def check_rows(site: NewsSite, rows: list[dict], base: str) -> None:
    """Every article once, with its text; nothing else."""
    articles = site.by_path()
    written: dict[str, int] = {}
    for row in rows:
        path = path_of(row["url"])
        assert path in articles, f"not an article page written: {row['url']}"
        assert row["url"].startswith(base)
        written[path] = written.get(path, 0) + 1
        article = articles[path]
        if article.gold is not None:
            assert shingle_f1(row["text"], article.gold) >= 0.9, (path, article.id)
        for snippet in article.snippets:
            assert snippet in row["text"], (path, article.id, snippet)
    assert {p for p, n in written.items() if n == 1} == set(articles), (
        f"missing: {sorted(set(articles) - set(written))}, twice: {sorted(p for p, n in written.items() if n > 1)}")


def check_requests(site: NewsSite, server: DemoServer, trap: DemoServer) -> None:
    """Nothing private, offsite or refused was asked of the site's server, nothing at all of the trap."""
    requests = server.requests()
    assert not [r for r in requests if r["path"].startswith(("/private/", "/search"))]
    assert not [r for r in requests if not r.get("host", "").startswith("127.0.0.1")]  # localhost: offsite
    assert trap.requests() == []  # a private address, offsite: never asked
