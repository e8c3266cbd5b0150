"""Cheap page metadata from a parsed tree: headline, lead, author, publication time, canonical URL.

One pass over ``<meta>``, the JSON-LD blocks and a few XPath look-ups: far cheaper than
trafilatura's full metadata extraction (htmldate scans the whole page), and it returns the
elements (headline, lead) that ``cleaning.html`` needs to recover what an extractor misses.
htmldate's fast search runs only on a page that states its date nowhere we look
(``published_time``). ``benchmarks/metadata.py`` measures title, author and date against
trafilatura's metadata on the wcxb-dev gold.
"""
from __future__ import annotations

import html as html_entities
import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from itertools import chain, islice
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from cleaning.normalize import normalize_line

_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
                  "scholarlyarticle", "report", "techarticle", "posting", "socialmediaposting"}
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
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author")
_TITLE_SPLIT = re.compile(r"\s+[|\-–—·:»]\s+")
_WORD = re.compile(r"\w+")
MAX_H1 = 10  # h1 elements weighed as the headline
LEAD_WINDOW = 3000  # elements after the headline searched for the lead
DATELINE_AFTER, DATELINE_BEFORE = 150, 30  # elements after / before the headline searched for a dateline
DATELINE_MAX_CHARS = 80  # a text node longer than this is prose, not a dateline
_DAY_FIRST = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\D+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?(?:\s*(?:GMT|UTC)\s*([+-]\d{1,2})(?::?(\d{2}))?)?",
    re.IGNORECASE,
)
_NUMERIC_OFFSET = re.compile(r"([+-])(\d{2})(\d{2})$")
_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-]([01]?\d)[/-]([0-3]?\d)(?:[/-]|$)")
_DIGIT_GROUPS = re.compile(r"\d+")
_EARLIEST, _LATEST = datetime(1990, 1, 1), datetime(2200, 1, 1)  # bounds of a written-out date
_LETTERS = re.compile(r"[^\W\d_]{3,}")


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


def clean_value(value: object) -> str | None:
    """A metadata string: entities unescaped (JSON-LD often holds them, even twice), NFC, one line."""
    if not isinstance(value, str):
        return None
    for _ in range(2):
        if "&" not in value:
            break
        value = html_entities.unescape(value)
    return normalize_line(value) or None


def meta_tags(tree: HtmlElement) -> dict[str, str]:
    """``<meta>`` content by lower-cased property / name / itemprop; the first of each wins."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if not content:
            continue
        for attribute in ("property", "name", "itemprop"):
            key = (element.get(attribute) or "").strip().lower()
            if key and key not in found:
                found[key] = content
    return found


def _flatten(data: object) -> list[dict]:
    """Every JSON object in a JSON-LD value: top level, lists, ``@graph``."""
    stack, out = [data], []
    while stack and len(out) < 200:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            out.append(item)
            if "@graph" in item:
                stack.append(item["@graph"])
    return out


def _types(item: dict) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def json_ld_objects(tree: HtmlElement) -> list[dict]:
    """Every object of the page's JSON-LD blocks (invalid blocks skipped), in page order."""
    objects: list[dict] = []
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        objects += _flatten(data)
    return objects


def json_ld_article(objects: list[dict]) -> dict:
    """The first schema.org Article-like object among the page's JSON-LD objects, or {}."""
    return next((item for item in objects if _types(item) & _ARTICLE_TYPES), {})


def _person_names(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict) and "organization" not in _types(item):
            item = item.get("name")
        name = clean_value(item) if isinstance(item, str) else None
        if name and not name.startswith(("http://", "https://")):
            names.append(name)
    return names


def _similar(headline: str, reference: str) -> bool:
    """Most words of ``headline`` occur in ``reference`` (a <title> carries the site name too)."""
    words = set(_WORD.findall(headline.casefold()))
    ref = set(_WORD.findall(reference.casefold()))
    return bool(words) and len(words & ref) >= 0.6 * len(words)


def _coverage(reference: str, text: str) -> float:
    """The share of ``reference``'s words that ``text`` holds."""
    words = set(_WORD.findall(reference.casefold()))
    return len(words & set(_WORD.findall(text.casefold()))) / len(words) if words else 0.0


def choose_headline(tree: HtmlElement, references: list[str], site_names: set[str]) -> tuple[HtmlElement | None, str | None]:
    """The article's h1: of the h1s that agree with og:title / JSON-LD / <title>, the one that
    holds most of a reference's words -- the headline, not the site's name in an h1 above it,
    which agrees with a <title> that carries the site name too. An h1 that is the site's name
    (``site_names``, casefolded) is never the headline.

    A page without those references gets its first non-empty h1; a page whose h1 agrees with
    none of them (a logo in an h1) gets no h1 at all, and the caller falls back to the references.
    """
    best: tuple[float, HtmlElement | None, str | None] = (-1.0, None, None)
    for element in islice(tree.iter("h1"), MAX_H1):
        text = normalize_line(element.text_content())
        if not text or text.casefold() in site_names:
            continue
        if not references:
            return element, text
        if any(_similar(text, ref) for ref in references):
            cover = max(_coverage(ref, text) for ref in references)
            if cover > best[0]:
                best = (cover, element, text)
    return best[1], best[2]


def site_names(meta: dict[str, str], article: dict) -> set[str]:
    """The site's own names, casefolded: og:site_name and the like, the JSON-LD publisher."""
    publisher = article.get("publisher")
    names = {(clean_value(n) or "").casefold() for n in (
        meta.get("og:site_name"), meta.get("application-name"), meta.get("twitter:site"),
        meta.get("publisher"), meta.get("dc.publisher"),
        publisher.get("name") if isinstance(publisher, dict) else None)}
    names.discard("")
    return names


def _title_from_title_tag(title: str | None) -> str | None:
    """``Headline - Site name`` -> ``Headline`` (the longest part)."""
    if not title:
        return None
    parts = _TITLE_SPLIT.split(title)
    return max(parts, key=len) if len(parts) > 1 else title


def find_lead(tree: HtmlElement, headline: HtmlElement | None, is_lead: Callable[[HtmlElement], bool]) -> HtmlElement | None:
    """The first lead/sapo element after the headline (anywhere without one) of a plausible size.

    A walk in document order that gives up ``LEAD_WINDOW`` elements after the headline: an
    XPath ``following::`` query costs ~15 ms on a big page, this well under one.
    """
    seen_headline = headline is None
    budget = LEAD_WINDOW
    for element in tree.iter():
        if not seen_headline:
            seen_headline = element is headline
            continue
        budget -= 1
        if budget < 0:
            break
        if element.tag in ("figcaption", "img", "a", "meta", "script", "style") or not isinstance(element.tag, str):
            continue
        if is_lead(element):
            size = len(normalize_line(element.text_content()))
            if 30 <= size <= 1500:
                return element
    return None


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


def naive_offset(url: str | None, offsets: dict[str, str]) -> timezone:
    """The zone assumed for a time without one: by the URL's country-code TLD, else UTC."""
    host = urlsplit(url).hostname if url else None
    tld = host.rsplit(".", 1)[-1] if host else ""
    value = offsets.get(tld)
    if not value:
        return timezone.utc
    sign = -1 if value.startswith("-") else 1
    hours, _, minutes = value.lstrip("+-").partition(":")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes or 0)))


def parse_datetime(value: str | None, default_zone: timezone = timezone.utc) -> datetime | None:
    """ISO 8601, RFC 2822, day-first ``dd/mm/yyyy [hh:mm]`` or a written date ("Feb 8, 2022",
    "19. Dezember 2025": a day, at midnight) -> aware datetime in UTC."""
    if not value or not isinstance(value, str):
        return None
    value = value.strip()
    parsed = _iso(value) or _rfc2822(value) or _day_first(value) or _written_day(value)
    if parsed is None or not 1900 <= parsed.year <= 2200:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_zone)
    return parsed.astimezone(timezone.utc)


def _iso(value: str) -> datetime | None:
    candidate = value.replace(" ", "T", 1) if re.match(r"\d{4}-\d{2}-\d{2} \d", value) else value
    candidate = _NUMERIC_OFFSET.sub(r"\1\2:\3", candidate)
    try:
        return datetime.fromisoformat(candidate.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _rfc2822(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None


def _day_first(value: str) -> datetime | None:
    match = _DAY_FIRST.search(value)
    if not match:
        return None
    day, month, year, hour, minute, second, off_h, off_m = match.groups()
    if int(month) > 12 >= int(day):  # "2/24/2026": only month-first reads it, so it is month-first
        day, month = month, day
    try:
        parsed = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    if off_h:
        sign = -1 if off_h.startswith("-") else 1
        offset = timedelta(hours=abs(int(off_h)), minutes=int(off_m or 0))
        parsed = parsed.replace(tzinfo=timezone(sign * offset))
    return parsed


def _written_day(value: str) -> datetime | None:
    """A date written out, in any of htmldate's languages and orders; a day, never a month or a
    year alone (htmldate fills a missing day with today's)."""
    if len(value) > 60:
        return None
    groups = len(_DIGIT_GROUPS.findall(value))
    if groups < 2 or (groups == 2 and not _LETTERS.search(value)):
        return None
    from htmldate.extractors import try_date_expr  # loaded by trafilatura in cleaning workers anyway

    day = try_date_expr(value, "%Y-%m-%d", False, _EARLIEST, _LATEST)
    return datetime.strptime(day, "%Y-%m-%d") if day else None


def _url_day(url: str | None) -> str | None:
    """``/2025/09/04/`` or ``/2025-09-04-`` in the URL's path -> ``2025-09-04``."""
    match = _URL_DATE.search(urlsplit(url).path) if url else None
    return "-".join(match.groups()) if match else None


def _page_objects(objects: list[dict]) -> Iterator[dict]:
    return (item for item in objects if any(t.endswith(_PAGE_TYPE_ENDINGS) for t in _types(item)))


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


_DOMAIN_LIKE = re.compile(r"^\S+\.[a-z]{2,}$", re.IGNORECASE)


# microdata and microformat authors: itemprop=author (its itemprop=name when it has one), rel=author links
_AUTHOR_ELEMENTS = '//*[@itemprop="author"][not(self::meta) and not(self::link)]|//a[contains(concat(" ", @rel, " "), " author ")]'
_BY = re.compile(r"^(?:by|von|par|por|di|door|av|bởi)\b\s*:?\s*", re.IGNORECASE)
AUTHOR_MAX_WORDS = 6


def marked_author(tree: HtmlElement) -> str | None:
    """The first author the page marks up as such (``itemprop="author"``, ``rel="author"``)
    whose text reads as a name: one line, no digits, a few words ("By" dropped)."""
    for element in tree.xpath(_AUTHOR_ELEMENTS)[:5]:
        named = element.find('.//*[@itemprop="name"]')
        holder = named if named is not None else element
        name = _BY.sub("", normalize_line(holder.get("content") or holder.text_content())).strip(" ,|-–—·")
        if name and not any(c.isdigit() for c in name) and len(name.split()) <= AUTHOR_MAX_WORDS and len(name) <= 60:
            return name
    return None


def page_author(meta: dict[str, str], article: dict, tree: HtmlElement | None = None) -> str | None:
    """JSON-LD author names (people, not the publisher), else the author meta tags, else the
    author the page marks up (``marked_author``); a name that is the site's own ("VnExpress", "nld.com.vn") is not an author, nor is the publisher's name
    (``<meta name="publisher">``) put in an author tag ("Deutsche Welle (www.dw.com)")."""
    own_names = site_names(meta, article)

    def is_person(name: str) -> bool:
        return name.casefold() not in own_names and not _DOMAIN_LIKE.match(name) and not name.startswith(("http://", "https://", "@"))

    names = [n for n in _person_names(article.get("author")) if is_person(n)]
    if names:
        return "; ".join(dict.fromkeys(names))
    for key in _AUTHOR_KEYS:
        value = clean_value(meta.get(key))
        if value and is_person(value):
            return value
    marked = marked_author(tree) if tree is not None else None
    return marked if marked and is_person(marked) else None


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
        title=h1_text or (references[0] if references and references[0] != title_tag else _title_from_title_tag(title_tag)),
        headline=headline,
        lead=normalize_line(lead_element.text_content()) if lead_element is not None else None,
        lead_element=lead_element,
        description=clean_value(article.get("description")) or clean_value(meta.get("og:description"))
        or clean_value(meta.get("description")),
        author=page_author(meta, article, tree),
        published=published_time(tree, meta, objects, article, canonical or url, headline, naive_offset(canonical or url, naive_offsets)),
        canonical=canonical,
        site_name=clean_value(meta.get("og:site_name")),
        meta=meta,
        structured_type=min(_types(article) & _ARTICLE_TYPES, default=None),
        article_body=article.get("articleBody") if isinstance(article.get("articleBody"), str) else None,
    )
