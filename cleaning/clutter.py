"""Clutter containers: what the ``[html]`` vocabulary marks on a page, and the extracted lines
dropped because they stand in one.

The lexicon's clutter containers are marked, not removed: trafilatura chooses the article on
the intact page, and the lines it returns that come from a marked container are dropped
afterwards (``drop_clutter``). A wrong verdict (a WordPress ``tag-…`` class on the
``<article>``, a ``sidebar-first`` class on the main column) can then cost at most the lines
of that container, never the choice of the article, and ``drop_clutter`` refuses a verdict
that would take most of the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree
from lxml.html import HtmlElement

from cleaning.html_lexicon import HtmlLexicon
from cleaning.metadata import PageMeta
from cleaning.normalize import normalize_line

_RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right", re.IGNORECASE)
#: Never marked as clutter, nor any element that holds one: where pages keep their article.
_ARTICLE_XPATH = etree.XPath("//article|//main|//*[@itemprop='articleBody']|//*[@role='main']")
MAX_CLUTTER_SHARE = 0.5     # all clutter lines together may be at most this share of the text ...
MAX_CONTAINER_SHARE = 0.25  # ... and the lines of one container at most this share
MIN_MATCHED_CHARS = 25      # a shorter line is clutter only when it is a container's whole text


def _protected(tree: HtmlElement, meta: PageMeta) -> set[HtmlElement]:
    """The headline, the lead, the article containers, and all their ancestors: never clutter."""
    keep: set[HtmlElement] = set()
    for element in (meta.headline, meta.lead_element, *_ARTICLE_XPATH(tree)):
        if element is not None:
            keep.add(element)
            keep.update(element.iterancestors())
    return keep


@dataclass(frozen=True)
class Container:
    """A marked container's text, and what named it (``div.box-related:related``)."""

    text: str
    name: str = ""


@dataclass
class Clutter:
    """What the lexicon marked on a page: clutter containers, bylines; and how many verdicts
    ``drop_clutter`` refused."""

    containers: list[Container] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    refused: int = 0

    def add(self, text: str, name: str = "") -> None:
        if text:
            self.containers.append(Container(text, name))


def mark_clutter(tree: HtmlElement, meta: PageMeta, lexicon: HtmlLexicon) -> Clutter:
    """The texts of the containers the ``[html]`` vocabulary names (related boxes, share bars,
    tags, ads, bylines...), outside the protected elements.

    The attribute values are fetched by one XPath and judged once per distinct value
    (``HtmlLexicon.verdict`` caches the verdicts across pages).
    """
    keep = _protected(tree, meta)
    clutter = Clutter()
    seen: set[HtmlElement] = set()
    for value in _attribute_xpath(lexicon.attributes)(tree):
        verdict = lexicon.verdict(value.lower())
        element = value.getparent()
        if verdict is None or element in keep or element in seen or element.tag in ("html", "body", "head"):
            continue
        seen.add(element)
        if _in_code(element):
            continue  # syntax highlighting: "hljs-comment", "token tag"
        text = normalize_line(element.text_content())
        if verdict == "byline" and text:
            clutter.bylines.append(text)
        clutter.add(text, f"{element.tag}[{value.attrname}={value}]:{lexicon.matched_word(value.lower())}")
    for text in _right_aligned_signatures(tree, keep):
        clutter.bylines.append(text)
        clutter.add(text, "signature:right_aligned")
    return clutter


def _in_code(element: HtmlElement) -> bool:
    return element.tag in ("pre", "code") or any(a.tag in ("pre", "code") for a in element.iterancestors())


@lru_cache(maxsize=8)
def _attribute_xpath(attributes: tuple[str, ...]) -> etree.XPath:
    return etree.XPath("|".join(f"//*/@{name}" for name in attributes))


def _right_aligned_signatures(tree: HtmlElement, keep: set[HtmlElement]) -> list[str]:
    """Short right-aligned paragraphs ("Hà Thu (tổng hợp)", "J. Smith"): newsroom signatures."""
    found = []
    for element in tree.xpath("//p[@style or @align]|//div[@align]"):
        if element in keep:
            continue
        if not (_RIGHT_ALIGNED.search(element.get("style", "")) or element.get("align", "").lower() == "right"):
            continue
        text = normalize_line(element.text_content())
        if 0 < len(text) <= 60 and len(text.split()) <= 8 and not text.endswith((".", "?", "!", ":")):
            found.append(text)
    return found


def drop_clutter(lines: list[str], clutter: Clutter) -> tuple[list[str], dict[str, str]]:
    """``lines`` without those that stand in a marked clutter container (a line of the
    extractor's is a block's text: it is found in its container's text), and each removed line
    with its rule (``container:<what named it>``). A container whose lines would be more than
    ``MAX_CONTAINER_SHARE`` of the text is refused (its name misleads: it holds the article, or
    a large part of it), and so is all clutter when it would take more than
    ``MAX_CLUTTER_SHARE``; refusals are counted on ``clutter.refused``."""
    total = sum(map(len, lines))
    drop: dict[str, str] = {}
    for container in clutter.containers:
        found = [line for line in lines if line not in drop and _stands_in(line, container.text)]
        if sum(map(len, found)) <= MAX_CONTAINER_SHARE * total:
            drop.update(dict.fromkeys(found, f"container:{container.name}"))
        else:
            clutter.refused += 1
    kept = [line for line in lines if line not in drop]
    if total - sum(map(len, kept)) > MAX_CLUTTER_SHARE * total:
        clutter.refused += 1
        return lines, {}
    return kept, drop


def _stands_in(line: str, container: str) -> bool:
    """Is ``line`` a block of ``container``'s text? A short line must be all of it: "All",
    "Share" or "R" occur inside many texts."""
    return line == container if len(line) < MIN_MATCHED_CHARS else line in container
