"""The ``[html]`` section of ``lexicon.toml``, compiled: which attribute values name clutter
containers, bylines, leads and captions, and which words mark a photo credit."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml.html import HtmlElement

from cleaning.lexicon import fold

LEXICON_PATH = Path(__file__).with_name("lexicon.toml")
MAX_CACHED_VERDICTS = 65_536        # attribute values whose verdict is kept between pages


@dataclass(frozen=True)
class HtmlLexicon:
    """The ``[html]`` section of ``lexicon.toml``, compiled."""

    attributes: tuple[str, ...]
    prune: re.Pattern[str]
    byline: re.Pattern[str]
    lead: re.Pattern[str]
    caption: re.Pattern[str]
    credit: re.Pattern[str]
    caption_min_words: int
    caption_min_chars: int
    naive_time_offsets: dict[str, str]
    # Verdicts on attribute values seen so far: a site's class names recur on every page.
    verdicts: dict[str, str | None] = field(default_factory=dict, compare=False)
    caption_classes: dict[str, bool] = field(default_factory=dict, compare=False)
    words: dict[str, str] = field(default_factory=dict, compare=False)

    def verdict(self, value: str) -> str | None:
        """``byline``, ``prune`` or None for one (lower-cased) attribute value; cached, bounded."""
        return _cached(self.verdicts, value, lambda v: "byline" if self.byline.search(v)
                       else "prune" if self.prune.search(v) else None)

    def matched_word(self, value: str) -> str:
        """The lexicon entry that named ``value`` (lower-cased) clutter or a byline, for explaining."""
        return _cached(self.words, value, self._word)

    def _word(self, value: str) -> str:
        match = self.byline.search(value) or self.prune.search(value)
        return match.group(0).strip(" _-") if match else ""

    def is_caption_class(self, value: str) -> bool:
        return _cached(self.caption_classes, value, lambda v: bool(self.caption.search(v)))


def _cached(cache: dict, key: str, compute):
    if key not in cache:
        if len(cache) >= MAX_CACHED_VERDICTS:
            cache.clear()
        cache[key] = compute(key)
    return cache[key]


def is_lead_element(element: HtmlElement, lexicon: HtmlLexicon) -> bool:
    """Does the element's class or id name it a lead (sapo, standfirst, summary...)?"""
    value = " ".join(v for v in (element.get("class"), element.get("id")) if v)
    return bool(value) and bool(lexicon.lead.search(value.lower()))


def _parts_pattern(parts: list[str]) -> str:
    """Matches an attribute value one of whose space/-/_ separated parts is in ``parts``."""
    return r"(?:^|[\s_-])(?:" + "|".join(map(re.escape, parts)) + r")(?:$|[\s_-])"


@lru_cache(maxsize=4)
def load_html_lexicon(path: Path = LEXICON_PATH) -> HtmlLexicon:
    with open(path, "rb") as handle:
        section = tomllib.load(handle)["html"]
    attributes = tuple(section["attributes"])
    prune = "|".join(map(re.escape, section["prune_substrings"])) + "|" + _parts_pattern(section["prune_parts"])
    credit_words = "|".join(re.escape(fold(w)) for w in sorted(section["caption_credit_words"], key=len, reverse=True))
    return HtmlLexicon(
        attributes=attributes,
        prune=re.compile(prune),
        byline=re.compile(_parts_pattern(section["byline_parts"])),
        lead=re.compile(_parts_pattern(section["lead_parts"])),
        caption=re.compile(_parts_pattern(section["caption_parts"])),
        # "... Ảnh: Reuters", "(Ảnh minh hoạ)", "- Photo by X", "Foto: dpa" at the end of a caption
        credit=re.compile(rf"(?:^|[\s(\[|/–—-])[(\[]?(?:{credit_words})\b\s*(?::|by\b|minh hoa\b|©)"),
        caption_min_words=int(section["caption_min_words"]),
        caption_min_chars=int(section["caption_min_chars"]),
        naive_time_offsets=dict(section.get("naive_time_offsets", {})),
    )
