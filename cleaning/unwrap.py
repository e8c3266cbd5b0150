"""Re-join the paragraphs of a hard-wrapped text dump (``lynx -dump``, ``fmt``, e-mail text).

A dump wrapped at a fixed width W (in display columns: a CJK character takes two) breaks every paragraph into lines of at most W characters,
each as full as the words allowed: the first word of the next line did not fit. That is the
signature looked for: among the lines that are at least 60 % of the widest one and do not end
a sentence, at least half (and five) are followed by a line whose first word would not have
fitted (in a dump of a whole page, menus and headline lists make up much of the rest). When a
dump shows it, such lines are joined with the next one. A line that ends a sentence is never
joined to the next (a paragraph ends with one, so a clutter line after it stays apart); a wrap
that falls on a sentence end leaves two lines of one paragraph, which costs only the break. Dumps with a paragraph per line (the usual case: the seeds) have lines
far longer than any wrap width and are returned unchanged. Lines holding a word too long to wrap
(the URLs of lynx's reference list) are left out when the width is judged.

A dump made from every text node of a page (BeautifulSoup's ``get_text("\\n")``) cuts a sentence
at each link: "With Scratch, you'll find" / "meal prep for busy schedules" / "that's protein-
forward...". When a dump shows that signature (a line that starts with closing punctuation
after a line left open), ``join_fragments`` re-joins such pieces: a line that does not end a
sentence is joined to the next when that one starts in lower case or with closing punctuation (or, for a
link text standing between two pieces, when the line after it does).

Joins put one space between the pieces, none where a piece starts with closing punctuation or
both sides of the cut are CJK characters (written without spaces).
"""
from __future__ import annotations

import re

MIN_WIDTH, MAX_WIDTH = 40, 160      # wrap widths looked for (72-80 is usual)
FULL = 0.6                          # a line at least this share of the width may be a wrapped one
MIN_EVIDENCE = 5                    # lines cut at the width needed before anything is joined
AGREEMENT = 0.5                     # share of them whose next word would not have fitted
UNWRAPPABLE = 40                    # a word this long (a URL) overflows any width
MAX_LINK_WORDS = 8                  # a link text between two pieces of a sentence is this short
MIN_LOWER_CUTS = 3                  # sentences cut around a link that show a dump cut at links
MIN_PIECE_WORDS = 3                 # ... each piece of text around the link this long at least
SENTENCE_END = re.compile(r"""[.!?…:;。！？：；]["'”’»)\]」』）]*\s*$""")
_WIDE = re.compile("[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")
_ITEM = re.compile(r"\s*(\d{1,4}\.|[*+•·-])\s")
_CLOSING = tuple(",.;:!?)]»”’…、。，）")


def columns(line: str) -> int:
    """Display width: CJK characters take two columns."""
    return len(line) if line.isascii() else len(line) + len(_WIDE.findall(line))


def glue(left: str, right: str) -> str:
    """Two pieces of one line re-joined (see the module docstring)."""
    left, right = left.rstrip(), right.strip()
    if right.startswith(_CLOSING) or (_WIDE.match(left[-1:]) and _WIDE.match(right[:1])):
        return left + right
    return f"{left} {right}"


def _wraps_into_next(line: str, following: str, width: int) -> bool:
    """``line`` looks cut at ``width`` with ``following`` continuing it."""
    words = following.split(maxsplit=1)
    return bool(words) and columns(line.rstrip()) + 1 + columns(words[0]) > width


def _candidates(lines: list[str], width: int) -> list[int]:
    """Indexes of lines long enough to be wrapped, not ending a sentence, followed by a line of
    text that is not a new list item (lynx's numbered references, bullets)."""
    return [i for i in range(len(lines) - 1)
            if lines[i + 1].strip() and not _ITEM.match(lines[i + 1])
            and columns(lines[i].rstrip()) >= FULL * width and not SENTENCE_END.search(lines[i])]


def _wrappable(line: str) -> bool:
    return bool(line.strip()) and max(map(len, line.split())) < UNWRAPPABLE


def wrap_width(lines: list[str]) -> int | None:
    """The width the dump is hard-wrapped at, or None when it does not look wrapped.

    Judged on the lines of text alone (blank lines dropped), so that a cleaned text, which has
    none, is judged as the dump it came from."""
    text = [line for line in lines if line.strip()]
    width = 0
    for line in text:
        size = columns(line.rstrip())
        if size > width and _wrappable(line):
            if size > MAX_WIDTH:
                return None  # a paragraph a line: the usual dump, told at its first long line
            width = size
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        return None
    candidates = _candidates(text, width)
    cut = sum(_wraps_into_next(text[i], text[i + 1], width) for i in candidates)
    return width if cut >= max(MIN_EVIDENCE, AGREEMENT * len(candidates)) else None


def unwrap(lines: list[str]) -> list[str]:
    """``lines`` with hard-wrapped paragraphs joined into one line each (see the module docstring)."""
    width = wrap_width(lines)
    if width is None:
        return lines
    joins = {i for i in _candidates(lines, width) if _wraps_into_next(lines[i], lines[i + 1], width)}
    out: list[str] = []
    carry = ""
    for i, line in enumerate(lines):
        carry = glue(carry, line) if carry else line
        if i not in joins:
            out.append(carry)
            carry = ""
    return out


def _continues(line: str) -> bool:
    """Does ``line`` go on a sentence cut before it: closing punctuation or lower case first?"""
    first = line.lstrip()[:1]
    return bool(first) and (first in _CLOSING or first.islower())


def _open(line: str) -> bool:
    return bool(line.strip()) and not SENTENCE_END.search(line)


def _cut_at_links(lines: list[str]) -> bool:
    """Does the dump show the signature of text nodes put on lines of their own: a line that
    starts with closing punctuation (the ", and" after a link) following a line left open, or
    (in scripts with case) ``MIN_LOWER_CUTS`` sentences cut around a link: a line of text left
    open, maybe a link's text, then a line of text going on in lower case ("... findet er
    kostenloses" / "Holz" / "und heizt damit sein Haus.")?"""
    lower = 0
    for at in range(1, len(lines)):
        line = lines[at]
        first = line.lstrip()[:1]
        if not first or not (first in _CLOSING or first.islower()) or not _open(lines[at - 1]):
            continue
        before = lines[at - 1]
        if first in _CLOSING:
            return True
        if first.islower() and len(line.split()) >= MIN_PIECE_WORDS:
            opened = before if len(before.split()) >= MIN_PIECE_WORDS else lines[at - 2] if at >= 2 else ""
            if (opened is before or len(before.split()) <= MAX_LINK_WORDS) and _open(opened) \
                    and len(opened.split()) >= MIN_PIECE_WORDS:
                lower += 1
                if lower >= MIN_LOWER_CUTS:
                    return True
    return False


def _fragment_runs(lines: list[str]) -> list[tuple[int, int]]:
    """(first, end) of every run of lines that ``join_fragments`` glues into one."""
    if not _cut_at_links(lines):
        return []
    runs = []
    i = 0
    while i < len(lines):
        start, line = i, lines[i]
        while _open(line) and i + 1 < len(lines):
            following = lines[i + 1]
            if _continues(following):
                line, i = glue(line, following), i + 1
            elif (i + 2 < len(lines) and _open(following) and len(following.split()) <= MAX_LINK_WORDS
                  and _continues(lines[i + 2])):
                line, i = glue(glue(line, following), lines[i + 2]), i + 2
            else:
                break
        if i > start:
            runs.append((start, i + 1))
        i += 1
    return runs


def join_fragments(lines: list[str]) -> list[str]:
    """Pieces of one sentence cut at its links, re-joined (see the module docstring)."""
    runs = _fragment_runs(lines)
    if not runs:
        return lines
    out, at = [], 0
    for start, end in runs:
        out += lines[at:start]
        joined = lines[start]
        for piece in lines[start + 1 : end]:
            joined = glue(joined, piece)
        out.append(joined)
        at = end
    return out + lines[at:]


def stray_fragments(lines: list[str]) -> set[int]:
    """Indexes of the lines ``join_fragments`` would glue onto the line above them."""
    return {i for start, end in _fragment_runs(lines) for i in range(start + 1, end)}
