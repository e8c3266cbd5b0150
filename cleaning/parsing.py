"""Raw page -> parsed lxml tree: the guards on the raw input, the markup the parser gets, and
the parse itself (with libxml2's depth limit handled).

Decoding decisions are ``cleaning.charset``'s and the binary verdict ``cleaning.sniffing``'s;
this module only applies them.
"""
from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from cleaning.charset import declared_charset, decode_html
from cleaning.document import Dropped
from cleaning.sniffing import binary_reason, utf16_without_bom

MAX_BYTES = 10 * 1024 * 1024        # input size cap, checked before anything is decoded or parsed
MAX_DEPTH = 200                     # deeper elements are flattened into their ancestor's text
LIBXML_DEPTH_ERROR = "Excessive depth"
_C0_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls but tab, LF, CR; DEL
_NOT_C0 = bytes(b for b in range(256) if not _C0_TEXT.match(chr(b)))  # deleted to find the C0 bytes
_C0_TABLE = {**{c: None for c in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F)}, 0x0B: " ", 0x0C: " "}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")

Parsed = tuple[HtmlElement | None, list[str]]   # the tree, and flags such as ``deep_nesting``


def check_raw(html: str | bytes, max_bytes: int) -> Dropped | None:
    """``empty``, ``too_large`` or ``binary`` for inputs not worth parsing, else None."""
    if len(html) > max_bytes:
        return Dropped("too_large", f"{len(html)} > {max_bytes}")
    if not html[:65_536].strip():
        return Dropped("empty")
    reason = binary_reason(html)
    return Dropped("binary", reason) if reason else None


def to_markup(html: str | bytes, header: str | None = None) -> str | bytes:
    """The page as the parser gets it: the served bytes when they are clean UTF-8 (libxml2
    parses those about twice as fast as a str), else text without NULs and without an XML
    declaration (which lxml refuses in a str).

    Not NFC-normalized here: composing 500 KB of markup costs ~10 ms, while only the extracted
    lines need it, and every line goes through ``normalize_line`` (NFC) on its way out."""
    if isinstance(html, bytes):
        decoded = decode_html(html, header)
        if decoded.how == "utf8" and not _has_c0(html):
            return html
        text = decoded.text
    else:
        text = html
    if _C0_TEXT.search(text):  # libxml2 refuses these: one of them would lose the whole page
        text = text.translate(_C0_TABLE)
    return _XML_DECLARATION.sub("", text, count=1)


def _has_c0(data: bytes) -> bool:
    """Does the page hold a C0 control byte (which libxml2 refuses)? ``translate`` runs in C,
    ten times faster than a regex search over a large page."""
    return bool(data.translate(None, _NOT_C0))


def _utf8_as_served(html: bytes, header: str | None) -> bool:
    """Can the served bytes go to the parser as UTF-8 without being decoded first? (The header
    and the page declare UTF-8 or nothing, and the page holds no control bytes; libxml2 reports
    any invalid byte.)"""
    return (header in (None, "utf-8") and declared_charset(html) in (None, "utf-8")
            and not utf16_without_bom(html[:4096]) and not _has_c0(html))


def parse_html(html: str | bytes, header: str | None = None) -> Parsed | Dropped | None:
    """Decode when needed, and parse. Bytes that declare UTF-8 (or nothing) are parsed as they
    are, which spares decoding the whole page; only when libxml2 finds bytes that are not
    UTF-8 does the page go through charset detection (``to_markup``). ``header``: the HTTP
    header's charset. None: bytes that decode as UTF-8 but libxml2 refused."""
    if isinstance(html, bytes) and _utf8_as_served(html, header):
        parsed = parse_page(html)
        if parsed is not None:
            return parsed
    markup = to_markup(html, header)
    if not markup.strip():
        return Dropped("empty")
    return parse_page(markup)


def _parse(markup: str | bytes, huge: bool) -> tuple[HtmlElement | None, bool, bool]:
    """(tree, hit libxml2's depth limit, found bytes that are not UTF-8). Bytes are UTF-8."""
    parser = HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True,
                        huge_tree=huge, encoding="utf-8" if isinstance(markup, bytes) else None)
    try:
        tree = document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError):
        return None, False, False
    too_deep = any(LIBXML_DEPTH_ERROR in entry.message for entry in parser.error_log)
    not_utf8 = any(entry.type_name == "ERR_INVALID_ENCODING" for entry in parser.error_log)
    return tree, too_deep, not_utf8


def parse_page(markup: str | bytes) -> Parsed | Dropped | None:
    """Parse once; on libxml2's depth error re-parse with the huge-tree limit and flatten.
    None when bytes turn out not to be UTF-8."""
    tree, too_deep, not_utf8 = _parse(markup, huge=False)
    if not_utf8:
        return None
    if not too_deep:
        return tree, []
    tree, too_deep, _ = _parse(markup, huge=True)
    if too_deep or tree is None:
        return Dropped("too_deep", "nesting deeper than libxml2's huge-tree limit (2048)")
    flatten_deep(tree, MAX_DEPTH)
    return tree, ["deep_nesting"]


def flatten_deep(root: HtmlElement, max_depth: int) -> int:
    """Replace the children of every element at ``max_depth`` by their text (recursive code
    downstream, trafilatura's included, would otherwise exhaust the Python stack)."""
    depth, flattened = 0, []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if event == "start" and depth == max_depth and len(element):
            flattened.append(element)
    for element in flattened:
        text = element.text_content()
        for child in list(element):
            element.remove(child)
        element.text = text
    return len(flattened)
