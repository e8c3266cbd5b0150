"""Is a fetched page an article? Decided from evidence, not from the URL's shape.

Three kinds of evidence, weighed together in one score (a logistic model: its log-odds):

- the route the URL was found by: a news-sitemap or feed entry is put there by the site as an
  article; a URL matching the site's article patterns (``sites.toml``) or a shape learned from
  its confirmed articles (``UrlShapes``) nearly so; a plain sitemap entry is likely one; a link
  says nothing;
- what the page's markup declares (``cleaning.pagekind.PageSignals``): a JSON-LD Article type,
  ``og:type=article`` or ``[itemprop=articleBody]``, a publication time;
- its shape: one dominant block of prose paragraphs (an article), against many links and
  linked headlines with short teasers (a listing, category, tag, author or search page);

and the extraction's result: no main text (``Dropped``) is not an article, and the length of
the text extracted counts.

The weights were fitted on the 1,497 labelled pages of wcxb-dev (793 articles; listing,
collection, forum, product, service and documentation pages), 5-fold cross-validated, and kept
to six features so that they hold elsewhere; ``benchmarks/crawl_pagekind.py`` measures them.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from cleaning.document import Document, Dropped
from cleaning.pagekind import PageSignals

#: Discovery routes, from the strongest prior to none.
ROUTES = ("news_sitemap", "feed", "pattern", "sitemap", "link")
#: Log-odds the route adds to the page's own score.
ROUTE_PRIOR = {"news_sitemap": 2.0, "feed": 2.0, "pattern": 1.5, "sitemap": 0.5, "link": 0.0}
#: The page score: bias and weights of the features (fitted on wcxb-dev, see the docstring).
BIAS = -6.66
W_SAYS_ARTICLE = 2.07    # structured data / og:type / articleBody call it an article
W_PUBLISHED = 0.78       # a publication time
W_PROSE_BLOCK = 0.80     # per ln(1 + characters of the dominant block of prose paragraphs)
W_LINKS = -0.59          # per ln(1 + links)
W_LINKED_HEADINGS = -0.21  # per ln(1 + headings that are links: teaser headlines)
W_TEXT = 0.32            # per ln(1 + characters of the extracted, cleaned text)


@dataclass(frozen=True)
class Verdict:
    is_article: bool
    reason: str       # why: a Dropped reason, or the score
    score: float = 0.0


def page_score(page: PageSignals, text_chars: int) -> float:
    """Log-odds that the page is an article, from its own markup and shape and the text extracted."""
    return (BIAS + W_SAYS_ARTICLE * page.says_article + W_PUBLISHED * page.published
            + W_PROSE_BLOCK * math.log1p(page.prose_block_chars) + W_LINKS * math.log1p(page.links)
            + W_LINKED_HEADINGS * math.log1p(page.linked_headings) + W_TEXT * math.log1p(text_chars))


def judge(result: Document | Dropped, route: str) -> Verdict:
    """The decision for a candidate found by ``route``, cleaned into ``result``."""
    if isinstance(result, Dropped):
        return Verdict(False, result.reason)
    if result.page is None:  # not from an HTML page: nothing to weigh but the text
        return Verdict(True, "text")
    score = page_score(result.page, result.n_chars) + ROUTE_PRIOR.get(route, 0.0)
    return Verdict(score >= 0.0, f"score={score:.2f}", score)


# --------------------------------------------------------------------------- learned URL shapes

_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"[^\W\d_]+")


def _segment_shape(segment: str) -> str:
    """A path segment's class: ``N4`` (a year-like number), ``N`` (digits), ``slug`` (three or more
    words joined by - or _, maybe ending in an id), ``word`` (one or two words), plus its extension."""
    stem, dot, extension = segment.rpartition(".") if "." in segment else (segment, "", "")
    extension = f".{extension.lower()}" if dot and extension.isalnum() and len(extension) <= 5 else ""
    if not extension:
        stem = segment
    if stem.isdigit():
        kind = "N4" if len(stem) == 4 else "N"
    elif len(_WORDS.findall(stem)) >= 3:
        kind = "slug"
    elif _DIGITS.search(stem):
        kind = "wordN"
    else:
        kind = "word"
    return kind + extension


def url_shape(url: str) -> str:
    """The shape of a URL: its path segments by class and its query keys (values dropped).

    ``/2025/05/03/some-slug/`` -> ``N4/N/N/slug/``; ``/news/world/some-slug`` ->
    ``word/word/slug``; ``/story.php?id=1234`` -> ``word.php?id``; ``/a/123.html`` -> ``word/N.html``.
    """
    parts = urlsplit(url)
    segments = parts.path.split("/")[1:]
    shape = "/".join(_segment_shape(s) if s else "" for s in segments)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return shape + ("?" + "&".join(keys) if keys else "")


class UrlShapes:
    """A site's URL shapes, learned from the pages judged: confirmed articles and not-articles.

    ``kind(url)``: ``article`` when articles of its shape were confirmed and outnumber the
    non-articles of that shape; ``other`` when only non-articles had it (MIN_EVIDENCE of them);
    ``unknown`` otherwise. A hint that saves fetches on re-runs, never a gate: an ``unknown``
    URL is still a candidate, judged by its page.
    """

    MIN_EVIDENCE = 3

    def __init__(self) -> None:
        self.articles: Counter[str] = Counter()
        self.others: Counter[str] = Counter()

    def learn(self, urls: Iterable[str], is_article: bool) -> None:
        counter = self.articles if is_article else self.others
        counter.update(url_shape(url) for url in urls)

    def kind(self, url: str) -> str:
        shape = url_shape(url)
        articles, others = self.articles.get(shape, 0), self.others.get(shape, 0)
        if articles and articles >= others:
            return "article"
        if not articles and others >= self.MIN_EVIDENCE:
            return "other"
        return "unknown"
