"""A naive HTML-to-text of the visible page, menus and footers included: how text dumps look."""
from __future__ import annotations

import lxml.html

_BLOCK = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "section", "table", "td", "th", "tr", "ul",
}
_INVISIBLE = "//script|//style|//noscript|//template|//svg|//head|//iframe"


def page_dump(html: bytes) -> str:
    """Every visible text node of the page, one block element per line."""
    root = lxml.html.fromstring(html.decode("utf-8", errors="replace"))
    for node in root.xpath(_INVISIBLE):
        node.drop_tree()
    parts: list[str] = []
    _walk(root, parts)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _inline(text: str) -> str:
    """Source line breaks inside a block are spaces, as a browser renders them."""
    return " ".join(text.split("\n"))


def _walk(element, parts: list[str]) -> None:
    is_element = isinstance(element.tag, str)  # comments and processing instructions are not
    block = is_element and element.tag in _BLOCK
    if block:
        parts.append("\n")
    if is_element and element.text:
        parts.append(_inline(element.text))
    for child in element:
        _walk(child, parts)
        if child.tail:
            parts.append(_inline(child.tail))
    if block:
        parts.append("\n")
