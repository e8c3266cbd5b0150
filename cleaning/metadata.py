"""Cheap page metadata from a parsed tree: headline, lead, author, publication time, canonical URL.

One pass over ``<meta>``, the JSON-LD blocks and a few XPath look-ups: far cheaper than
trafilatura's full metadata extraction (htmldate scans the whole page), and it returns the
elements (headline, lead) that ``cleaning.html`` needs to recover what an extractor misses.
htmldate's fast search runs only on a page that states its date nowhere we look
(``published_time``). ``benchmarks/metadata.py`` measures title, author and date against
trafilatura's metadata on the wcxb-dev gold.
"""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain, islice
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from cleaning.authors import page_author
from cleaning.headline import choose_headline, find_lead, site_names, title_from_title_tag
from cleaning.dates import parse_datetime, site_zone
from cleaning.normalize import normalize_line
from cleaning.structured import ARTICLE_TYPES, clean_value, json_ld_article, json_ld_objects, meta_tags, types_of

_DATE_KEYS = ("article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
              "publish-date", "published_time", "date", "dc.date.issued", "dc.date", "dcterms.created",
              "sailthru.date", "parsely-pub-date", "article.published", "publication_date", "created",
              # the rest of htmldate's publication-date meta names (htmldate.core.DATE_ATTRIBUTES)
              "og:article:published_time", "og:article:published", "article:published", "article:published_date",
              "article:post_date", "article:publicationdate", "article.created", "article_date_original",
              "citation_publication_date", "citation_date", "date_published", "date_created", "datecreated",
              "dateposted", "dc.date.created", "dc.date.publication", "dc.created", "dc:created", "dc:date",
              "dcterms.date", "dcterms.issued", "displaydate", "doc_date", "og:datepublished", "og:pubdate",
              "og:publish_date", "originalpublicationdate", "publish_date", "publish_time", "published-date",
              "published_date", "publisheddate", "rnews:datepublished", "shareaholic:article_published_time",
              "twt-published-at", "vr:published_time", "bt:pubdate", "rbpubdate", "date-pub", "pdate", "ptime", "published")
# last resort, when the page names no publication time: when it was last changed (htmldate does the same)
_MODIFIED_KEYS = ("article:modified_time", "og:updated_time", "og:modified_time", "og:article:modified_time",
                  "datemodified", "article:modified", "modified_time", "updated_time",
                  "dcterms.modified", "dc.modified", "last-modified", "lastmodified", "modified")
# JSON-LD objects whose datePublished is the page's: articles and web pages (not images, videos, people)
_PAGE_TYPE_ENDINGS = ("article", "posting", "page", "blog", "report")
DATELINE_AFTER, DATELINE_BEFORE = 150, 30  # elements after / before the headline searched for a dateline
DATELINE_MAX_CHARS = 80  # a text node longer than this is prose, not a dateline
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]([01]?\d)[/-]([0-3]?\d)(?:[/-]|$)")


@dataclass
class PageMeta:
    """What the page says about its article. Elements are in the page's tree (None when absent)."""

    title: str | None = None
    headline: HtmlElement | None = None
    lead: str | None = None
    lead_element: HtmlElement | None = None
    description: str | None = None
    author: str | None = None
    published: datetime | None = None
    canonical: str | None = None
    site_name: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    structured_type: str | None = None  # the JSON-LD Article-like @type, lower-cased
    article_body: str | None = None     # JSON-LD articleBody, when the page publishes it


def canonical_url(tree: HtmlElement, meta: dict[str, str], url: str | None) -> str | None:
    """link rel=canonical, else og:url, made absolute; a canonical that points at a site's home
    page while the fetched URL does not is a known CMS mistake and is ignored."""
    candidates = [link.get("href") for link in tree.iterfind(".//link[@rel]") if "canonical" in link.get("rel", "").lower().split()]
    candidates.append(meta.get("og:url"))
    for candidate in candidates:
        if not candidate:
            continue
        absolute = urljoin(url or "", candidate.strip())
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        if parts.path in ("", "/") and url and urlsplit(url).path not in ("", "/"):
            continue
        return absolute
    return url


def _url_day(url: str | None) -> str | None:
    """``/2025/09/04/`` or ``/2025-09-04-`` in the URL's path -> ``2025-09-04``."""
    match = _URL_DATE.search(urlsplit(url).path) if url else None
    return "-".join(match.groups()) if match else None


def _page_objects(objects: list[dict]) -> Iterator[dict]:
    return (item for item in objects if any(t.endswith(_PAGE_TYPE_ENDINGS) for t in types_of(item)))


def _published_candidates(tree: HtmlElement, meta: dict[str, str], objects: list[dict], article: dict,
                          url: str | None, headline: HtmlElement | None) -> Iterator[object]:
    """Publication times the page states, most explicit first; lazily, so a page that says it in
    its JSON-LD or meta tags costs no tree walk."""
    yield article.get("datePublished")
    yield article.get("dateCreated")
    yield from (meta.get(key) for key in _DATE_KEYS)
    yield from (item.get("datePublished") for item in _page_objects(objects))
    for element in tree.xpath(_DATE_ELEMENTS)[:3]:
        yield element.get("datetime") or element.get("content") or element.get("title") or element.text_content()
    yield _url_day(url)
    yield from dateline(tree, headline)
    yield article.get("dateModified")
    yield from (meta.get(key) for key in _MODIFIED_KEYS)
    yield from (item.get("dateModified") for item in _page_objects(objects))


_NOT_TEXT = ("script", "style", "noscript", "template")
# microdata and microformats: itemprop=datePublished (content/datetime/text), <time datetime>,
# <abbr class="published" title=...>, <time pubdate>
_DATE_ELEMENTS = ('//*[@itemprop="datePublished" or @itemprop="dateCreated"][not(self::meta)]'
                  '|//time[@datetime or @pubdate]|//abbr[contains(@class, "published")][@title]')


def dateline(tree: HtmlElement, headline: HtmlElement | None) -> Iterator[str]:
    """Short text nodes beside the headline that hold a date ("Published on July 18, 2025",
    "Dec 12, 2025", "Thứ bảy, 7/3/2026, 00:05 (GMT+7)"): those after it, nearest first, then
    those just before it (a date above the headline). The page's visible date, for pages whose
    markup names none."""
    if headline is None:  # no h1 agrees with the page's title: the first h1 still marks the top of the page
        headline = next(tree.iter("h1"), None)
        if headline is None:
            return
    before: deque[HtmlElement] = deque(maxlen=DATELINE_BEFORE)
    walk = tree.iter()
    for element in walk:
        if element is headline:
            break
        before.append(element)
    after = islice(walk, DATELINE_AFTER)
    for element in chain(after, reversed(before)):
        # a comment's or a script's own text is no dateline, the text after it may be ("<!-- -->Dec 17, 2025")
        inside = element.text if isinstance(element.tag, str) and element.tag not in _NOT_TEXT else None
        for text in (inside, element.tail):
            if text and len(text) <= 4 * DATELINE_MAX_CHARS and any(c.isdigit() for c in text):
                text = text.strip()
                if len(text) <= DATELINE_MAX_CHARS:
                    yield text


def published_time(tree: HtmlElement, meta: dict[str, str], objects: list[dict], article: dict,
                   url: str | None, headline: HtmlElement | None, zone: timezone) -> datetime | None:
    """The first publication time the page states that parses (see ``_published_candidates``)."""
    for candidate in _published_candidates(tree, meta, objects, article, url, headline):
        parsed = parse_datetime(candidate, zone) if isinstance(candidate, str) else None
        if parsed:
            return parsed
    return parse_datetime(htmldate_day(tree, url), zone)


def htmldate_day(tree: HtmlElement, url: str | None) -> str | None:
    """htmldate's fast search (date-like elements and patterns, no free-text scan): the fallback
    for a page that states no date where ``_published_candidates`` looks, ~8 ms on such a page
    (it copies the tree), which is why it runs last. A day, or None."""
    from htmldate import find_date  # loaded by trafilatura in cleaning workers anyway

    try:
        return find_date(tree, extensive_search=False, original_date=True, url=url)
    except (ValueError, TypeError):  # htmldate on a malformed page: no date, not a failed page
        return None


def extract_metadata(tree: HtmlElement, url: str | None, is_lead: Callable[[HtmlElement], bool],
                     naive_offsets: dict[str, str]) -> PageMeta:
    """Everything the page says about its article; ``is_lead`` tells a lead/sapo element by its attributes."""
    meta = meta_tags(tree)
    objects = json_ld_objects(tree)
    article = json_ld_article(objects)
    title_tag = clean_value(tree.findtext(".//title"))
    references = [r for r in (clean_value(meta.get("og:title")), clean_value(article.get("headline")),
                              clean_value(meta.get("twitter:title")), title_tag) if r]
    headline, h1_text = choose_headline(tree, references, site_names(meta, article))
    lead_element = find_lead(tree, headline, is_lead)
    canonical = canonical_url(tree, meta, url)
    return PageMeta(
        title=h1_text or (references[0] if references and references[0] != title_tag else title_from_title_tag(title_tag)),
        headline=headline,
        lead=normalize_line(lead_element.text_content()) if lead_element is not None else None,
        lead_element=lead_element,
        description=clean_value(article.get("description")) or clean_value(meta.get("og:description"))
        or clean_value(meta.get("description")),
        author=page_author(meta, article, tree),
        published=published_time(tree, meta, objects, article, canonical or url, headline, site_zone(canonical or url, naive_offsets)),
        canonical=canonical,
        site_name=clean_value(meta.get("og:site_name")),
        meta=meta,
        structured_type=min(types_of(article) & ARTICLE_TYPES, default=None),
        article_body=article.get("articleBody") if isinstance(article.get("articleBody"), str) else None,
    )
