from __future__ import annotations

import unicodedata

import pytest

from cleaning.metrics import shingle_counts, shingle_f1


def test_identical_and_disjoint():
    text = "Giá xăng dầu tăng mạnh trong tuần qua vì xung đột"
    assert shingle_f1(text, text) == 1.0
    assert shingle_f1("một hai ba bốn năm", "sáu bảy tám chín mười") == 0.0
    assert shingle_f1("", "") == 1.0
    assert shingle_f1("", text) == 0.0


def test_counts_are_multisets_and_case_and_punctuation_blind():
    assert shingle_counts("a b c d a b c d", "a b c d") == (1, 4, 0)
    assert shingle_f1("Hello, World! This is it.", "hello world this is it") == 1.0
    nfd = unicodedata.normalize("NFD", "Tiếng Việt có dấu đầy đủ ở đây")
    assert shingle_f1(nfd, "Tiếng Việt có dấu đầy đủ ở đây") == 1.0


def test_partial_overlap_between_zero_and_one():
    gold = "one two three four five six seven eight"
    value = shingle_f1("one two three four five extra words here", gold)
    assert 0.0 < value < 1.0
    tp, fp, fn = shingle_counts("one two three four five extra words here", gold)
    assert value == pytest.approx(2 * tp / (2 * tp + fp + fn))
