from __future__ import annotations

import unicodedata

import pytest

from cleaning.normalize import content_hash, fold_tone_marks, normalize_line, normalize_text


@pytest.mark.parametrize("old, new", [("hoà", "hòa"), ("thuý", "thúy"), ("khoẻ", "khỏe"), ("Hoà Bình", "Hòa Bình"),
                                      ("HOÀ", "HÒA"), ("xoè", "xòe")])
def test_tone_mark_conventions_share_one_hash(old, new):
    assert content_hash(f"Hòa bình và {old}") == content_hash(f"Hòa bình và {new}")
    assert fold_tone_marks(old) == fold_tone_marks(new)


@pytest.mark.parametrize("word", ["hoàng", "quý", "tuyết", "khuya", "hòa"])
def test_words_both_conventions_agree_on_are_unchanged(word):
    assert fold_tone_marks(word) == word


def test_different_texts_different_hashes_and_whitespace_folded():
    assert content_hash("Giá vàng tăng") != content_hash("Giá vàng giảm")
    assert content_hash("Giá  vàng\ntăng ") == content_hash("Giá vàng tăng")


def test_nfd_input_is_nfc_and_controls_removed():
    nfd = unicodedata.normalize("NFD", "Việt Nam\u00a0\u200b hôm\x00 nay\x07")
    assert normalize_line(nfd) == "Việt Nam hôm nay"
    assert unicodedata.is_normalized("NFC", normalize_line(nfd))


def test_normalize_text_drops_empty_lines():
    assert normalize_text("  a  b \n\n \t\nc\r\n") == "a b\nc"
