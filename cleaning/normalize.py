"""Unicode and whitespace normalization, and the folding key behind ``content_hash``."""
from __future__ import annotations

import hashlib
import re
import unicodedata

# C0/C1 controls except tab and newline, plus lone surrogates, zero-width and bidi marks.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\ufffe\uffff]")
_SPACE = re.compile(r"[^\S\n]+")  # any whitespace but newline (incl. NBSP, ideographic space)

# Combining tone marks in NFD: grave, acute, tilde, hook above, dot below.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# An open syllable ending in oa/oe/uy whose tone sits on the last vowel ("hoà", "khoẻ", "thuý"):
# the other convention puts it on the first ("hòa", "khỏe", "thúy"). Word-final only, because
# with a final consonant ("hoàng", "tuyết") both conventions agree.
_TONE_ON_SECOND = re.compile(
    rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONES}])(?![^\W\d_]|[\u0300-\u036f])"
)


def normalize_line(line: str) -> str:
    """NFC, controls removed, runs of whitespace folded to one space, ends stripped."""
    line = _CONTROL.sub("", unicodedata.normalize("NFC", line))
    return _SPACE.sub(" ", line).strip()


def normalize_text(text: str) -> str:
    """``normalize_line`` on every line, empty lines removed."""
    return "\n".join(filter(None, map(normalize_line, text.splitlines())))


def fold_tone_marks(text: str) -> str:
    """Put Vietnamese tone marks on one convention (the first vowel of open oa/oe/uy)."""
    nfd = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _TONE_ON_SECOND.sub(r"\1\3\2", nfd))


def hash_key(text: str) -> str:
    """What equal texts have in common: NFC, one tone-mark convention, folded whitespace, casefold."""
    folded = fold_tone_marks(unicodedata.normalize("NFC", text))
    return " ".join(folded.split()).casefold()


def content_hash(text: str) -> str:
    return hashlib.sha256(hash_key(text).encode("utf-8")).hexdigest()


def count_words(text: str) -> int:
    return len(text.split())
