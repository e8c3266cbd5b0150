"""The visible text of an HTML page as blocks, the way a scraper flattens a page: block elements
end a line, scripts and styles are not text. ``newsclean explain`` shows a page's lines with
it; ``benchmarks/dumps.py`` makes its dev dumps (block, markdown, lynx, soup) from it."""
from __future__ import annotations

import re

import lxml.etree
import lxml.html

from cleaning.charset import decode_html

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul", "tbody", "thead",
}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
INVISIBLE = ("script", "style", "noscript", "template", "svg", "iframe", "head", "object", "canvas")
MARKS = {"strong": "**", "b": "**", "em": "_", "i": "_"}


XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")


def parse(html: bytes | str, charset: str | None = None):
    """The page's tree; ``charset``: the HTTP header's. lxml refuses a str that declares its
    encoding (XHTML's ``<?xml ... encoding=...?>``): the text is decoded already, so the
    declaration goes. An empty or markup-less page gives an empty body."""
    text = html if isinstance(html, str) else decode_html(html, charset).text
    try:
        return lxml.html.document_fromstring(XML_DECLARATION.sub("", text, count=1))
    except (ValueError, lxml.etree.ParserError):
        return lxml.html.document_fromstring("<html><body></body></html>")


def drop(root, tags: tuple[str, ...]) -> None:
    for node in list(root.iter(*tags)):
        if node.getparent() is not None:
            node.drop_tree()


# ----------------------------------------------------------------------------- block walk
class Block:
    """One block of the rendered page: its tag (heading, list item, quote, other) and text."""

    def __init__(self, kind: str) -> None:
        self.kind, self.parts = kind, []

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def page_blocks(root, marks: bool = False, links: list[str] | None = None) -> list[Block]:
    """The visible blocks of the page in reading order; ``marks`` adds markdown emphasis,
    ``links`` collects the href of every link (lynx's references)."""
    drop(root, INVISIBLE)
    body = root.find("body")
    blocks = [Block("p")]
    _walk(body if body is not None else root, blocks, marks, links, "p")
    return [b for b in blocks if b.text]


def _kind(tag: str, inherited: str) -> str:
    if tag in HEADINGS:
        return tag
    if tag in ("li", "dt", "dd"):
        return "li"
    if tag == "blockquote":
        return "quote"
    return inherited if inherited == "quote" else "p"


def _walk(element, blocks: list[Block], marks: bool, links: list[str] | None, kind: str) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag in BLOCK_TAGS
    if block:
        kind = _kind(tag, kind)
        blocks.append(Block(kind))
    mark = MARKS.get(tag, "") if marks else ""
    if tag == "a" and links is not None and element.get("href"):
        links.append(element.get("href"))
    if tag and element.text:
        blocks[-1].parts.append(mark + element.text.replace("\n", " "))
    elif mark:
        blocks[-1].parts.append(mark)
    for child in element:
        _walk(child, blocks, marks, links, kind)
        if child.tail:
            blocks[-1].parts.append(child.tail.replace("\n", " "))
    if mark:
        blocks[-1].parts.append(mark)
    if block:
        blocks.append(Block(kind))


def block_dump(html: bytes) -> str:
    return "\n".join(b.text for b in page_blocks(parse(html)))
