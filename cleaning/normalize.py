"""Unicode and whitespace normalization, and the folding key behind ``content_hash``."""
from __future__ import annotations

import hashlib
import re
import unicodedata

# C0/C1 controls except tab and newline, plus lone surrogates, zero-width and bidi marks.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufffe\uffff]")

# Vietnamese writes open syllables ending in oa/oe/uy with the tone mark on the last vowel
# ("hoà", "khoẻ", "thuý") or on the first ("hòa", "khỏe", "thúy"). Keys fold the first form into
# the second. Word-final only: with a final consonant ("hoàng", "tuyết") both agree; "qu" is a
# consonant, so "quý" is left alone.
_TONES = "\u0300\u0301\u0303\u0309\u0323"  # grave, acute, tilde, hook above, dot below


def _tone_moves() -> dict[str, str]:
    moves = {}
    for first in "oOuU":
        for second in ("aAeE" if first in "oO" else "yY"):
            for tone in _TONES:
                toned_second = unicodedata.normalize("NFC", second + tone)
                moves[first + toned_second] = unicodedata.normalize("NFC", first + tone) + second
    return moves


_TONE_MOVES = _tone_moves()
# A character class scans fast; pairs it admits that are not in _TONE_MOVES ("uà") stay as they are.
_TONE_ON_SECOND = re.compile(rf"(?<![qQ])[oOuU][{''.join(sorted({pair[1] for pair in _TONE_MOVES}))}](?![^\W\d_])")


def normalize_line(line: str) -> str:
    """NFC, controls removed, runs of whitespace folded to one space, ends stripped."""
    if not unicodedata.is_normalized("NFC", line):
        line = unicodedata.normalize("NFC", line)
    if not line.isprintable():  # cheap test; the regex runs only when there is something to remove
        line = _CONTROL.sub("", line)
    return " ".join(line.split())


def normalize_text(text: str) -> str:
    """``normalize_line`` on every line, empty lines removed."""
    return "\n".join(filter(None, map(normalize_line, text.splitlines())))


def fold_tone_marks(text: str) -> str:
    """Put Vietnamese tone marks on one convention (the first vowel of open oa/oe/uy). NFC in, NFC out."""
    return _TONE_ON_SECOND.sub(lambda match: _TONE_MOVES.get(match.group(), match.group()), text)


def hash_key(text: str) -> str:
    """What equal texts have in common: NFC, one tone-mark convention, folded whitespace, casefold."""
    folded = fold_tone_marks(unicodedata.normalize("NFC", text))
    return " ".join(folded.split()).casefold()


def content_hash(text: str) -> str:
    return hashlib.sha256(hash_key(text).encode("utf-8")).hexdigest()


def count_words(text: str) -> int:
    return len(text.split())
