"""Re-join the paragraphs of a hard-wrapped text dump (``lynx -dump``, ``fmt``, e-mail text).

A dump wrapped at a fixed width W breaks every paragraph into lines of at most W characters,
each as full as the words allowed: the first word of the next line did not fit. That is the
signature looked for: among the lines that are at least 60 % of the widest one and do not end
a sentence, at least half (and five) are followed by a line whose first word would not have
fitted (in a dump of a whole page, menus and headline lists make up much of the rest). When a
dump shows it, such lines are joined with the next one. A line that ends a sentence is never
joined to the next (a paragraph ends with one, so a clutter line after it stays apart); a wrap
that falls on a sentence end leaves two lines of one paragraph, which costs only the break. Dumps with a paragraph per line (the usual case: the seeds) have lines
far longer than any wrap width and are returned unchanged.
"""
from __future__ import annotations

import re

MIN_WIDTH, MAX_WIDTH = 40, 160      # wrap widths looked for (72-80 is usual)
FULL = 0.6                          # a line at least this share of the width may be a wrapped one
MIN_EVIDENCE = 5                    # lines cut at the width needed before anything is joined
AGREEMENT = 0.5                     # share of them whose next word would not have fitted
SENTENCE_END = re.compile(r"""[.!?…:;]["'”’»)\]]*\s*$""")


def _wraps_into_next(line: str, following: str, width: int) -> bool:
    """``line`` looks cut at ``width`` with ``following`` continuing it."""
    words = following.split(maxsplit=1)
    return bool(words) and len(line.rstrip()) + 1 + len(words[0]) > width


def _candidates(lines: list[str], width: int) -> list[int]:
    """Indexes of lines long enough to be wrapped, not ending a sentence, followed by a line of text."""
    return [i for i in range(len(lines) - 1)
            if lines[i + 1].strip() and len(lines[i].rstrip()) >= FULL * width and not SENTENCE_END.search(lines[i])]


def wrap_width(lines: list[str]) -> int | None:
    """The width the dump is hard-wrapped at, or None when it does not look wrapped.

    Judged on the lines of text alone (blank lines dropped), so that a cleaned text, which has
    none, is judged as the dump it came from."""
    text = [line for line in lines if line.strip()]
    width = max((len(line.rstrip()) for line in text), default=0)
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
        carry = f"{carry} {line.strip()}" if carry else line
        if i not in joins:
            out.append(carry)
            carry = ""
    return out
