"""Language label with langdetect: seeded (so every run agrees) and on a bounded sample (so it is cheap)."""
from __future__ import annotations

import re

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

DetectorFactory.seed = 0

SAMPLE_CHARS = 200          # langdetect's cost grows with the sample: ~0.8 ms for this much
MIN_LETTERS = 12            # fewer letters than this: undecidable
MIN_PROBABILITY = 0.5
_LETTER = re.compile(r"[^\W\d_]")
_URL = re.compile(r"\S+://\S+|www\.\S+")


def language_sample(text: str, size: int = SAMPLE_CHARS) -> str:
    """The middle of the text (the least boilerplate-prone part), cut at word boundaries."""
    text = _URL.sub(" ", text)
    if len(text) <= size:
        return text
    start = (len(text) - size) // 2
    start = text.find(" ", start) + 1 or start
    return text[start : start + size]


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability), or ("und", 0.0) when the text cannot be decided."""
    sample = language_sample(text)
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return "und", 0.0
    try:
        best = detect_langs(sample)[0]
    except LangDetectException:
        return "und", 0.0
    if best.prob < MIN_PROBABILITY:
        return "und", float(best.prob)
    return best.lang.split("-")[0], float(best.prob)
