"""Loads ``lexicon.toml``, the clutter vocabulary, and answers questions about one line."""
from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

LEXICON_PATH = Path(__file__).with_name("lexicon.toml")
MAX_CLUTTER_CHARS = 200   # longer lines are checked only at their ends (captions, footers)
PREFIX_CHARS = 100
CREDIT_CHARS = 70         # a photo credit is at most this long, at the end of its line
MAX_PHRASE_WORDS = 12     # lexicon phrases and bylines are shorter than this
MAX_NEWSLETTER_CHARS = 160  # a newsletter's call to sign up is at most this long
MIN_PREFIX_WORDS = 2      # a related heading this long may open a longer heading line ...
MAX_PREFIX_TAIL = 5       # ... followed by at most this many words
_PROSE_END = tuple(".!?;…。！？；")

# Symbols that decorate headings and list items: "» Tin liên quan:", "| Xem thêm", "• Đọc thêm".
_EDGE_SYMBOLS = " \t:;,.!?…|•·»«>*+=#~_-–—()[]{}<>\"'“”‘’/\\"


def _fold_char(char: str) -> str:
    """One character without its diacritics, kept one character long (đ -> d, ễ -> e)."""
    base = unicodedata.normalize("NFD", char)[0]
    return "d" if char in "đĐ" else base


# Latin, Latin Extended and Vietnamese (U+1E00-U+1EFF) letters; other scripts pass unchanged.
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]}


def fold(line: str) -> str:
    """A normalized line's comparison key: lower case, no diacritics (đ -> d).

    The key has the same length as the line, so a match in the key is a span of the line.
    """
    if line.isascii():
        return line.lower()
    # Turkish "İ" lower-cases to two characters ("i" + a combining dot): fold it first.
    return line.replace("İ", "I").lower().translate(_FOLD_TABLE)


def heading_key(line: str) -> str:
    """``fold`` without the symbols and trailing colon that decorate headings."""
    return fold(line).strip(_EDGE_SYMBOLS)


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _tail(key: str, cut: bool = False) -> str:
    """The end of a key where a credit can stand; a cut is marked so "^" cannot match mid-word."""
    return "\x00" + key[-CREDIT_CHARS:] if cut or len(key) > CREDIT_CHARS else key


def _matches(pattern: re.Pattern[str] | None, key: str) -> bool:
    return bool(pattern and pattern.search(key))


@dataclass(frozen=True)
class TextLexicon:
    related_headings: frozenset[str]
    related_heading_starts: frozenset[str]   # first words of the headings of two words or more
    boilerplate_phrases: frozenset[str]
    footer_phrases: frozenset[str]
    comments_phrases: frozenset[str]
    comments_patterns: re.Pattern[str] | None
    consent_markers: re.Pattern[str]   # any marker, case ignored: one scan
    newsletter_markers: tuple[str, ...]
    newsletter_patterns: re.Pattern[str] | None
    consent_patterns: re.Pattern[str] | None
    caption_credit: re.Pattern[str] | None
    caption_markers: re.Pattern[str]   # any of the markers: one scan instead of one per marker
    byline_patterns: re.Pattern[str]   # each pattern's group "name" renamed name0, name1, ...
    line_patterns: re.Pattern[str]   # footer, then boilerplate patterns, as named groups
    source_leads: tuple[str, ...]          # folded, longest first
    source_outlet_nouns: tuple[str, ...]   # folded, longest first
    source_max_words: int

    def classify(self, line: str) -> str | None:
        """Which clutter family a normalized line belongs to: ``related_heading``, ``footer``,
        ``comments``, ``boilerplate``, ``caption``, ``byline``; None for none."""
        verdict = self.explain(line)
        return verdict[0] if verdict else None

    def explain(self, line: str) -> tuple[str, str] | None:
        """(family, what matched) for a clutter line, None for none: the lexicon phrase (as
        folded), the text a pattern matched, ``consent``, ``source`` or the byline's name."""
        if self.is_consent_notice(line):
            return "boilerplate", "consent"
        if self.is_newsletter_call(line):
            return "boilerplate", "newsletter"
        if len(line) > MAX_CLUTTER_CHARS:
            # Long lines are text, but a caption ends in a credit and a footer may run on.
            start = self.line_patterns.match(fold(line[:PREFIX_CHARS]))
            if start and start.lastgroup == "footer":
                return "footer", start.group()
            credit = self._credit(_tail(fold(line[-CREDIT_CHARS:]), cut=True))
            return ("caption", credit) if credit else None
        key = fold(line)
        short = key.count(" ") < MAX_PHRASE_WORDS
        phrase = key.strip(_EDGE_SYMBOLS) if short else ""
        if phrase in self.related_headings:
            return "related_heading", phrase
        heading = self._related_heading_prefix(phrase) if short and not key.endswith(_PROSE_END) else None
        if heading:
            return "related_heading", heading
        if phrase in self.footer_phrases:
            return "footer", phrase
        if short:
            if phrase in self.comments_phrases:
                return "comments", phrase
            comments = self.comments_patterns.search(key) if self.comments_patterns else None
            if comments:
                return "comments", comments.group()
        if phrase in self.boilerplate_phrases:
            return "boilerplate", phrase
        match = self.line_patterns.match(key)  # footer and boilerplate patterns, in one pass
        if match:
            return match.lastgroup, match.group()
        if short and self.is_source_line(line, key):
            return "boilerplate", "source"
        credit = self._credit(_tail(key))
        if credit:
            return "caption", credit
        if short:
            name = self.byline_name(line, key)
            if name is not None:
                return "byline", name
        return None

    def _related_heading_prefix(self, phrase: str) -> str | None:
        """A related heading of two words or more that opens a short line not ended like a
        sentence ("Die meistgelesenen Artikel bei SWR.de", "Neueste Artikel für Heizöl")."""
        first = phrase.split(" ", 1)[0]
        if first not in self.related_heading_starts:
            return None
        words = phrase.split(" ")
        if len(words) < MIN_PREFIX_WORDS + 1:
            return None
        for n in range(max(MIN_PREFIX_WORDS, len(words) - MAX_PREFIX_TAIL), len(words)):
            prefix = " ".join(words[:n]).rstrip(_EDGE_SYMBOLS)
            if prefix in self.related_headings:
                return prefix
        return None

    def is_newsletter_call(self, line: str) -> bool:
        """A call to sign up for a newsletter (see lexicon.toml, [text.newsletter]); a marker
        word is looked for first, so most lines cost one scan per marker."""
        return (len(line) <= MAX_NEWSLETTER_CHARS and any(marker in line for marker in self.newsletter_markers)
                and _matches(self.newsletter_patterns, fold(line)))

    def is_consent_notice(self, line: str) -> bool:
        """A cookie banner's line: a cookie word with consent or site vocabulary (see
        lexicon.toml, [text.consent]); a recipe's "cookies" stay text."""
        return bool(self.consent_markers.search(line)) and _matches(self.consent_patterns, fold(line))

    def is_source_line(self, line: str, key: str | None = None) -> bool:
        """A line naming the story's source ("Theo TTXVN", "(Theo báo Thanh Niên)"): a lead,
        an outlet noun or not, then a name as written: its first word capitalised ("Theo Bộ Y tế";
        see lexicon.toml, [text.source]). In a line all in capitals, names cannot be told from
        words: at most two count."""
        key = key or fold(line)
        at = len(key) - len(key.lstrip(_EDGE_SYMBOLS))   # fold keeps positions: key[i] is line[i]
        lead = next((lead for lead in self.source_leads if key.startswith(lead + " ", at)), None)
        if lead is None:
            return False
        at += len(lead) + 1
        noun = next((noun for noun in self.source_outlet_nouns if key.startswith(noun + " ", at)), None)
        if noun is not None:
            at += len(noun) + 1
        names = line[at:].strip(_EDGE_SYMBOLS).split()
        limit = 2 if line.isupper() else self.source_max_words
        return 0 < len(names) <= limit and (names[0][0].isupper() or names[0][0].isdigit())

    def _credit(self, tail: str) -> str | None:
        """The photo credit that ends ``tail``, if any (as matched, folded)."""
        if not self.caption_markers.search(tail) or self.caption_credit is None:
            return None
        match = self.caption_credit.search(tail)
        return match.group().strip("\x00 ") or "credit" if match else None

    def byline_name(self, line: str, key: str | None = None) -> str | None:
        """The author a byline line names ("" when it names none), None when it is no byline."""
        match = self.byline_patterns.match(key or fold(line))
        if not match:
            return None
        name = next((group for group, value in match.groupdict().items() if value is not None), None)
        return line[match.start(name) : match.end(name)] if name else ""


def _families(**patterns: list[str]) -> re.Pattern[str]:
    """One regex over several families; ``match.lastgroup`` names the family that matched.

    The lexicon's line patterns are anchored at the start of the line ("^"), so ``match`` is
    exact and scans once instead of once per family.
    """
    groups = [f"(?P<{family}>{'|'.join(f'(?:{p})' for p in items)})" for family, items in patterns.items() if items]
    return re.compile("|".join(groups) or "(?!)")


def _bylines(patterns: list[str]) -> re.Pattern[str]:
    """The byline patterns as one (anchored) regex; a group name may stand once, so the
    group "name" of pattern i becomes "name<i>"."""
    renamed = [p.replace("(?P<name>", f"(?P<name{i}>") for i, p in enumerate(patterns)]
    return re.compile("|".join(f"(?:{p})" for p in renamed) or "(?!)")


def _phrases(section: dict) -> frozenset[str]:
    return frozenset(heading_key(phrase) for phrase in section.get("phrases", []))


@lru_cache(maxsize=4)
def load_text_lexicon(path: Path = LEXICON_PATH) -> TextLexicon:
    with open(path, "rb") as handle:
        text = tomllib.load(handle)["text"]
    return TextLexicon(
        related_headings=_phrases(text["related_headings"]),
        related_heading_starts=frozenset(h.split(" ")[0] for h in _phrases(text["related_headings"])
                                         if h.count(" ") + 1 >= MIN_PREFIX_WORDS),
        boilerplate_phrases=_phrases(text["boilerplate"]),
        footer_phrases=_phrases(text["footer"]),
        comments_phrases=_phrases(text["comments"]),
        comments_patterns=_any_of(text["comments"].get("patterns", [])),
        consent_markers=re.compile("|".join(map(re.escape, text["consent"]["markers"])) or "(?!)", re.IGNORECASE),
        consent_patterns=_any_of(text["consent"].get("patterns", [])),
        newsletter_markers=tuple(text["newsletter"]["markers"]),
        newsletter_patterns=_any_of(text["newsletter"].get("patterns", [])),
        caption_credit=_any_of(text["caption"].get("credit_patterns", [])),
        caption_markers=re.compile("|".join(map(re.escape, text["caption"].get("markers", []))) or "(?!)"),
        byline_patterns=_bylines(text["byline"].get("patterns", [])),
        line_patterns=_families(footer=text["footer"].get("patterns", []),
                                boilerplate=text["boilerplate"].get("patterns", [])),
        source_leads=_longest_first(text["source"]["leads"]),
        source_outlet_nouns=_longest_first(text["source"]["outlet_nouns"]),
        source_max_words=text["source"]["max_words"],
    )


def _longest_first(words: list[str]) -> tuple[str, ...]:
    return tuple(sorted((fold(word) for word in words), key=len, reverse=True))
