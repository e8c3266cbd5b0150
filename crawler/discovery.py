"""Parsing what discovery reads: sitemaps (indexes, news sitemaps, gzip), RSS/Atom feeds, their dates."""
from __future__ import annotations

import html
import re
from io import BytesIO
from datetime import datetime, timedelta, timezone

from lxml import etree

from cleaning.dates import parse_datetime, site_zone

GZIP_MAGIC = b"\x1f\x8b"
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hd])\s*$")


def _xml_root(body: bytes) -> etree._Element | None:
    """Parse untrusted XML: no entities, no network, tolerant of junk."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, remove_comments=True,
                             remove_pis=True)
    try:
        return etree.fromstring(body.strip(), parser=parser)
    except etree.XMLSyntaxError:
        return None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def document_kind(body: bytes) -> str:
    """``sitemap``, ``feed`` or ``html``, sniffed from the first bytes of a response body."""
    head = body[:1024].lstrip().lower()
    if not head.startswith(b"<?xml") and not head.startswith((b"<urlset", b"<sitemapindex", b"<rss", b"<feed")):
        return "html"
    root = _xml_root(body)
    name = _local(root.tag) if root is not None else ""
    if name in ("urlset", "sitemapindex"):
        return "sitemap"
    if name in ("rss", "feed", "RDF"):
        return "feed"
    return "html"


def entry_date(values: dict[str, str], keys: tuple[str, ...], url: str) -> datetime | None:
    """The first of ``keys`` in a sitemap or feed entry that holds a date (``cleaning.dates``; a
    time without a zone is in the zone of the entry's site)."""
    written = [values[key] for key in keys if values.get(key)]
    zone = site_zone(url) if written else None
    for value in written:
        when = parse_datetime(value, zone)
        if when is not None:
            return when
    return None


def parse_since(value: str | None, now: datetime | None = None) -> datetime | None:
    """The NEWSCLEAN_SINCE window start: a date/time (without a zone: UTC, see ``cleaning.dates``)
    or an age like ``36h`` / ``7d``."""
    if not value or not str(value).strip():
        return None
    age = _AGE.match(str(value))
    if age:
        amount, unit = float(age.group(1)), age.group(2)
        delta = timedelta(hours=amount) if unit == "h" else timedelta(days=amount)
        return (now or datetime.now(timezone.utc)) - delta
    when = parse_datetime(str(value))
    if when is None:
        raise ValueError(f"NEWSCLEAN_SINCE: not a date nor an age like 7d: {value!r}")
    return when


#: The sitemaps protocol's own limits: 50,000 URLs per sitemap; a URL longer than this is junk.
MAX_SITEMAP_ENTRIES = 50_000
MAX_URL_CHARS = 2048


def parse_sitemap(body: bytes, max_entries: int = MAX_SITEMAP_ENTRIES) -> tuple[str, list[tuple[str, datetime | None]]]:
    """(``index`` | ``urlset`` | ``""``, [(loc, date)]); date: news publication_date, else lastmod.

    Streamed (``iterparse``, each entry freed once read), at most ``max_entries`` entries, locs
    longer than MAX_URL_CHARS skipped; entities are never expanded nor fetched (no billion laughs,
    no XXE), and libxml2's default limits (depth 256, 10 MB text nodes) hold.
    """
    body = body.strip()
    kind, entries = "", []
    values: dict[str, str] = {}
    depth = 0
    try:
        events = etree.iterparse(BytesIO(body), events=("start", "end"), resolve_entities=False, no_network=True,
                                 load_dtd=False, recover=True, remove_comments=True, remove_pis=True, huge_tree=False)
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1:
                    kind = {"sitemapindex": "index", "urlset": "urlset"}.get(_local(element.tag), "")
                continue
            depth -= 1
            if depth >= 2:
                values[_local(element.tag)] = (element.text or "").strip()
            elif depth == 1:
                loc = values.get("loc", "")
                if loc and len(loc) <= MAX_URL_CHARS:
                    when = entry_date(values, ("publication_date", "lastmod"), loc)
                    entries.append((loc, when))
                values = {}
                element.clear()
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
                if len(entries) >= max_entries:
                    break
    except etree.XMLSyntaxError:
        pass
    return kind, entries


def parse_feed(body: bytes) -> list[tuple[str, datetime | None]]:
    """[(article link, date)] of an RSS 2.0, RSS 1.0 (RDF) or Atom feed."""
    root = _xml_root(body)
    if root is None:
        return []
    entries = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "item":  # RSS 2.0 / 1.0
            values = {_local(child.tag): (child.text or "").strip() for child in element}
            link = values.get("link") or (values.get("guid") if values.get("guid", "").startswith("http") else "")
            when = entry_date(values, ("pubDate", "date"), link)
        elif name == "entry":  # Atom
            link = next((child.get("href", "") for child in element if _local(child.tag) == "link"
                         and child.get("rel", "alternate") == "alternate"), "")
            values = {_local(child.tag): (child.text or "").strip() for child in element}
            when = entry_date(values, ("published", "updated"), link)
        else:
            continue
        if link:
            entries.append((link, when))
    return entries


def gunzip_if_needed(body: bytes, max_size: int) -> bytes:
    if not body.startswith(GZIP_MAGIC):
        return body
    from scrapy.utils.gz import gunzip

    return gunzip(body, max_size=max_size)


_NEWS_NAMESPACE = b"google.com/schemas/sitemap-news"
#: ``<link ... rel="alternate" ... type="application/rss+xml|atom+xml" ... href="...">`` in any attribute order.
_LINK_TAG = re.compile(rb"<link\s[^>]*>", re.I)
_ATTRIBUTE = re.compile(rb"""([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_FEED_TYPES = (b"application/rss+xml", b"application/atom+xml", b"application/rdf+xml")
#: Feeds are announced in the head: only this much of a page is scanned.
HEAD_BYTES = 128 * 1024


def is_news_sitemap(body: bytes) -> bool:
    """A news sitemap: its entries carry ``<news:news>`` (Google's sitemap-news namespace)."""
    return _NEWS_NAMESPACE in body[:4096] and b":news>" in body[:65536]


def announced_feeds(body: bytes, base_url: str) -> list[str]:
    """The RSS/Atom feed URLs a page announces with ``<link rel="alternate" type="application/rss+xml">``
    (absolute), found by a scan of its head, not a parse."""
    from urllib.parse import urljoin

    head = body[:HEAD_BYTES]
    end = head.lower().find(b"</head>")
    if end >= 0:
        head = head[:end]
    feeds = []
    for tag in _LINK_TAG.findall(head):
        attributes = {m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or b"") for m in _ATTRIBUTE.finditer(tag)}
        rel = attributes.get(b"rel", b"").lower().split()
        if b"alternate" in rel and attributes.get(b"type", b"").lower().strip() in _FEED_TYPES and attributes.get(b"href"):
            href = html.unescape(attributes[b"href"].decode("utf-8", "replace")).strip()
            url = urljoin(base_url, href)
            if url.startswith(("http://", "https://")) and url not in feeds:
                feeds.append(url)
    return feeds
