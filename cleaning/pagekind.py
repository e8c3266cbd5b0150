"""What a page says about its own kind: the evidence that it is an article, from its markup.

Computed once per page by ``cleaning.html.process_html`` on the parsed tree (as served) and
carried on ``Document.page``; the crawler weighs it with the route a URL was found by to decide
whether a fetched page is an article (``crawler.articles``), without parsing again.

Two kinds of evidence:

- what the page declares: a JSON-LD Article-like ``@type``, ``og:type``, a publication time,
  ``[itemprop=articleBody]``;
- its shape, measured in one pass over the ``<p>`` and ``<a>`` elements: how much prose it
  holds in long paragraphs, how much of it sits in one block (an article has one dominant
  block of prose; a listing has many short teasers under as many linked headlines), and how
  many links and linked headings it has.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml.html import HtmlElement

from cleaning.metadata import PageMeta

_ARTICLE_OG_TYPES = frozenset({"article", "news", "newsarticle", "blog", "blogposting"})
#: A paragraph at least this long (characters) is prose; shorter ones are teasers, labels, menus.
PROSE_PARAGRAPH_CHARS = 100
_HEADINGS = ("h1", "h2", "h3", "h4")


@dataclass(frozen=True)
class PageSignals:
    """Structured and shape evidence of an article page. None / False / 0 where the page says nothing."""

    structured_type: str | None = None  # the JSON-LD Article-like @type (lower-cased), e.g. "newsarticle"
    og_type: str | None = None          # <meta property="og:type">, lower-cased
    published: bool = False             # a publication time was found (meta, JSON-LD, <time>)
    article_body: bool = False          # [itemprop=articleBody] in the markup, or JSON-LD articleBody
    links: int = 0                      # <a href> elements
    prose_chars: int = 0                # characters in prose paragraphs (<p> of PROSE_PARAGRAPH_CHARS or more, not in a link)
    prose_block_chars: int = 0          # the most of them under one parent element: the dominant block
    prose_paragraphs: int = 0           # how many prose paragraphs
    linked_headings: int = 0            # h1-h4 that hold or sit in a link: teaser headlines of a listing

    @property
    def says_article(self) -> bool:
        """Does the page's own markup call it an article?"""
        return bool(self.structured_type or self.article_body or (self.og_type in _ARTICLE_OG_TYPES))


def page_signals(tree: HtmlElement, meta: PageMeta) -> PageSignals:
    """The page's evidence, from the metadata already read and one pass over ``<a>``, ``<p>`` and headings."""
    og_type = (meta.meta.get("og:type") or "").strip().lower() or None
    body_marked = meta.article_body is not None or bool(tree.xpath("//*[@itemprop='articleBody'][1]"))
    links = linked_headings = prose = paragraphs = 0
    blocks: dict[HtmlElement, int] = {}
    for element in tree.iter("a", "p", *_HEADINGS):  # one walk of the tree (~0.5 ms for a 300 KB page)
        tag = element.tag
        if tag == "a":
            links += element.get("href") is not None
        elif tag == "p":
            size = len(element.text_content())
            parent = element.getparent()
            if size >= PROSE_PARAGRAPH_CHARS and parent is not None and parent.tag != "a":
                prose += size
                paragraphs += 1
                blocks[parent] = blocks.get(parent, 0) + size
        elif element.find(".//a") is not None or getattr(element.getparent(), "tag", None) == "a":
            linked_headings += 1
    return PageSignals(structured_type=meta.structured_type, og_type=og_type,
                       published=meta.published is not None, article_body=body_marked, links=links,
                       prose_chars=prose, prose_block_chars=max(blocks.values(), default=0),
                       prose_paragraphs=paragraphs, linked_headings=linked_headings)
