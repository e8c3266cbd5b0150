"""The article's author: JSON-LD people, author meta tags, marked-up bylines; never the site."""
from __future__ import annotations

import re

from lxml.html import HtmlElement

from cleaning.headline import site_names
from cleaning.normalize import normalize_line
from cleaning.structured import clean_value, person_names

_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author")
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

    names = [n for n in person_names(article.get("author")) if is_person(n)]
    if names:
        return "; ".join(dict.fromkeys(names))
    for key in _AUTHOR_KEYS:
        value = clean_value(meta.get(key))
        if value and is_person(value):
            return value
    marked = marked_author(tree) if tree is not None else None
    return marked if marked and is_person(marked) else None
