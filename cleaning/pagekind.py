"""What a page says about its own kind: the evidence that it is an article, from its markup.

Computed once per page by ``cleaning.html.process_html`` on the intact tree (before pruning) and
carried on ``Document.page``; the crawler weighs it with the route a URL was found by to decide
whether a fetched page is an article (``crawler``'s article decision), without parsing again.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml.html import HtmlElement

from cleaning.metadata import PageMeta

_ARTICLE_OG_TYPES = frozenset({"article", "news", "newsarticle", "blog", "blogposting"})


@dataclass(frozen=True)
class PageSignals:
    """Structured evidence of an article page. None / False where the page says nothing."""

    structured_type: str | None = None  # the JSON-LD Article-like @type (lower-cased), e.g. "newsarticle"
    og_type: str | None = None          # <meta property="og:type">, lower-cased
    published: bool = False             # a publication time was found (meta, JSON-LD, <time>)
    article_body: bool = False          # [itemprop=articleBody] in the markup, or JSON-LD articleBody

    @property
    def says_article(self) -> bool:
        """Does the page's own markup call it an article?"""
        return bool(self.structured_type or self.article_body or (self.og_type in _ARTICLE_OG_TYPES))


def page_signals(tree: HtmlElement, meta: PageMeta) -> PageSignals:
    """The page's structured evidence, from the metadata already read and one XPath look-up."""
    og_type = (meta.meta.get("og:type") or "").strip().lower() or None
    body_marked = meta.article_body is not None or bool(tree.xpath("//*[@itemprop='articleBody'][1]"))
    return PageSignals(structured_type=meta.structured_type, og_type=og_type,
                       published=meta.published is not None, article_body=body_marked)
