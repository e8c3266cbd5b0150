"""Extraction quality metric: shingle F1, as in scrapinghub's article-extraction-benchmark.

The benchmark (``evaluate.py`` in scrapinghub/article-extraction-benchmark) tokenizes with
``\\w+``, builds 4-token shingles as a multiset, and counts true/false positives and false
negatives per document. We follow it, with one deliberate difference: tokens are lowercased
(``lowercase=True``), so a headline in capitals or a sentence-cased byline does not count as
a content miss. Pass ``lowercase=False`` for the benchmark's exact, case-sensitive numbers.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter

_TOKEN = re.compile(r"\w+")


def tokens(text: str, lowercase: bool = True) -> list[str]:
    """``\\w+`` tokens of the NFC text (so decomposed and precomposed Vietnamese agree)."""
    text = unicodedata.normalize("NFC", text or "")
    return _TOKEN.findall(text.lower() if lowercase else text)


def shingles(text: str, n: int = 4, lowercase: bool = True) -> Counter[tuple[str, ...]]:
    """Multiset of n-token shingles; a text shorter than n tokens is one short shingle."""
    toks = tokens(text, lowercase)
    return Counter(tuple(toks[i : i + n]) for i in range(max(1, len(toks) - n + 1)) if toks[i : i + n])


def shingle_counts(predicted: str, gold: str, n: int = 4, lowercase: bool = True) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) over the shingle multisets."""
    pred, true = shingles(predicted, n, lowercase), shingles(gold, n, lowercase)
    tp = sum((pred & true).values())
    return tp, sum(pred.values()) - tp, sum(true.values()) - tp


def shingle_f1(predicted: str, gold: str, n: int = 4, lowercase: bool = True) -> float:
    """F1 of the predicted text's shingles against the gold text's (1.0 when both are empty)."""
    tp, fp, fn = shingle_counts(predicted, gold, n, lowercase)
    if fp == fn == 0:
        return 1.0
    if tp == 0:
        return 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)
