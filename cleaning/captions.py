"""Figure captions: a credited caption that is a sentence is article text (trafilatura drops
figures, captions included) and goes back beside its paragraph; credits and noun-phrase labels
are clutter."""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from cleaning.clutter import Clutter
from cleaning.html_lexicon import HtmlLexicon
from cleaning.lexicon import fold
from cleaning.normalize import normalize_line

_CLASS_VALUES = etree.XPath("//*/@class")


def caption_is_sentence(text: str, lexicon: HtmlLexicon) -> bool:
    """Captions policy: keep a caption that is a sentence describing the image (its trailing
    credit may follow); drop credit-only lines and short noun-phrase labels."""
    return _is_sentence(split_credit(text, lexicon)[0], lexicon)


def split_credit(text: str, lexicon: HtmlLexicon) -> tuple[str, bool]:
    """(the caption without its trailing photo credit, whether it had one: "Ảnh: Reuters",
    "(Ảnh minh hoạ)", "Photo: AP")."""
    folded = fold(text)
    match = None
    for match in lexicon.credit.finditer(folded):
        pass
    if match is None:
        return text, False
    return (text[: match.start()] if len(folded) == len(text) else _cut_folded(text, match.start())), True


def _is_sentence(body: str, lexicon: HtmlLexicon) -> bool:
    words = body.split()
    if len(words) >= lexicon.caption_min_words:
        return True
    # scripts written without spaces (Chinese, Japanese, Thai): count characters instead
    return len(words) <= 3 and len(re.sub(r"\W", "", body)) >= lexicon.caption_min_chars and not body.isascii()


def _cut_folded(text: str, folded_index: int) -> str:
    """``text`` up to the character whose folded prefix has length ``folded_index``."""
    for i in range(len(text)):
        if len(fold(text[: i + 1])) > folded_index:
            return text[:i]
    return text


@dataclass(frozen=True)
class Caption:
    """A caption kept as article text, and the texts of the paragraphs around its figure."""

    text: str
    before: str | None
    after: str | None


_PARAGRAPH_BEFORE = etree.XPath("preceding::p[normalize-space()][1]")
_PARAGRAPH_AFTER = etree.XPath("following::p[normalize-space()][1]")


def sort_captions(tree: HtmlElement, lexicon: HtmlLexicon, clutter: Clutter) -> list[Caption]:
    """Captions policy over the page: a caption that is a sentence is kept as article text
    (trafilatura drops figures, captions included; ``insert_captions`` puts it back beside its
    paragraphs); credits and noun-phrase labels join the clutter lines."""
    candidates = list(tree.iter("figcaption"))
    for value in _CLASS_VALUES(tree):
        if lexicon.is_caption_class(value.lower()):
            element = value.getparent()
            if element.tag != "figcaption":
                candidates.append(element)
    kept = []
    for caption in candidates:
        text = normalize_line(caption.text_content())
        if not text:
            continue
        body, credited = split_credit(text, lexicon)
        if not _is_sentence(body, lexicon):
            clutter.add(text, "caption:label_or_credit")
            continue
        if not credited:
            continue  # a sentence without a credit: not told from a pull quote or a teaser, left as it is
        before, after = _PARAGRAPH_BEFORE(caption), _PARAGRAPH_AFTER(caption)
        kept.append(Caption(text, normalize_line(before[0].text_content()) if before else None,
                            normalize_line(after[0].text_content()) if after else None))
    return kept


def insert_captions(lines: list[str], captions: list[Caption]) -> list[str]:
    """Each kept caption after the paragraph before its figure, or before the one after it, when
    that paragraph is in the extracted text (a caption elsewhere on the page stays out)."""
    present = set(lines)
    for caption in captions:
        if caption.text in present:
            continue
        if caption.before in present:
            lines.insert(lines.index(caption.before) + 1, caption.text)
        elif caption.after in present:
            lines.insert(lines.index(caption.after), caption.text)
        else:
            continue
        present.add(caption.text)
    return lines
