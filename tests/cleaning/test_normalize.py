from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaning import normalize
from tests.conftest import DEVSET, SEEDS
from cleaning.normalize import (
    _TONE_MOVES,
    content_hash,
    count_words,
    fold_tone_marks,
    hash_key,
    normalize_line,
    normalize_text,
)


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


# --- hash_key and fold_tone_marks are the same functions as before they were made faster ---------

_OLD_TONE_ON_SECOND = re.compile(rf"(?<![qQ])[oOuU][{''.join(sorted({pair[1] for pair in _TONE_MOVES}))}](?![^\W\d_])")


def old_fold_tone_marks(text: str) -> str:
    return _OLD_TONE_ON_SECOND.sub(lambda match: _TONE_MOVES.get(match.group(), match.group()), text)


def old_hash_key(text: str) -> str:
    folded = old_fold_tone_marks(unicodedata.normalize("NFC", text))
    return " ".join(folded.split()).casefold()


REAL_TEXTS = sorted(SEEDS.glob("*.txt")) + sorted((DEVSET / "gold").glob("*.txt"))
_OLD_STYLE = {new: old for old, new in _TONE_MOVES.items()}
_NEW_STYLE_PAIR = re.compile("|".join(map(re.escape, sorted(_OLD_STYLE))))


def variants(text: str) -> list[str]:
    """The text, with every tone mark moved to the old convention ("hòa" -> "hoà"), upper case,
    NFD, each line alone, and the lines without the newlines normalize_text leaves."""
    old_style = _NEW_STYLE_PAIR.sub(lambda match: _OLD_STYLE[match.group()], text)
    return [text, old_style, old_style.upper(), unicodedata.normalize("NFD", old_style), " ".join(text.split("\n")),
            "  " + text + "\t", *text.splitlines()]


def test_the_real_texts_are_there() -> None:
    assert len(REAL_TEXTS) == 3 + 10  # the seeds, and the devset gold texts and captions


@pytest.mark.parametrize("path", REAL_TEXTS, ids=lambda path: path.name)
def test_same_results_as_before_on_real_texts(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for variant in variants(text) + variants(normalize_text(text)):
        assert fold_tone_marks(variant) == old_fold_tone_marks(variant)
        assert hash_key(variant) == old_hash_key(variant)
    assert fold_tone_marks(variants(text)[1]) != variants(text)[1] or _NEW_STYLE_PAIR.search(text) is None


# Syllables around both conventions' vowel pairs, after "q" or not, followed by a letter, a
# digit, "_", a combining mark or not; separators of every kind; arbitrary text between.
_SYLLABLE = st.tuples(
    st.sampled_from(["", "q", "Q", "h", "Kh", "th", "gi", "X", "1", "_"]),
    st.sampled_from([*_TONE_MOVES, *_TONE_MOVES.values(), "oa", "UY", "o", "u", "à", "ý", "ườ"]),
    st.sampled_from(["", "", "ng", "N", "i", "t", "1", "_", "\u0300", "\u0345", "ß", "ǅ", "-"]),
).map("".join)
_SEPARATOR = st.sampled_from([" ", " ", "  ", "\n", "\t", "\xa0", "\u2028", ",", ".", ""])
_VIETNAMESE = st.lists(st.one_of(_SYLLABLE, _SEPARATOR, st.text(max_size=4)), max_size=30).map("".join)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_VIETNAMESE)
def test_same_results_as_before_on_generated_strings(text: str) -> None:
    assert fold_tone_marks(text) == old_fold_tone_marks(text)
    assert hash_key(text) == old_hash_key(text)
    assert hash_key(normalize_text(text)) == old_hash_key(normalize_text(text))


def test_every_whitespace_character_but_space_is_unprintable() -> None:
    """What hash_key's shortcut (no split of an already folded text) relies on."""
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace() and c.isprintable()] == [" "]


def test_hash_key_of_the_previous_text_is_not_computed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(normalize, "fold_tone_marks", lambda text: calls.append(text) or old_fold_tone_marks(text))
    text = "Hội nghị hoà bình\nở Hà Nội " + str(len(calls))  # a new object
    assert content_hash("Hội nghị hòa bình ở Hà Nội 0") == content_hash(text)  # the content_hash of process_html
    key = hash_key(text)  # the dedup signature's
    assert key == old_hash_key(text) and len(calls) == 2
    assert hash_key("".join(text)) == key and len(calls) == 2  # an equal string: also the cached key
    assert hash_key(text + ".") == old_hash_key(text + ".") and len(calls) == 3
    assert hash_key(text) == key and len(calls) == 4  # only the last text is kept
    assert hash_key("") == "" and normalize._last_key == ("", "")


@pytest.mark.parametrize("text, words", [
    ("", 0), ("Hà Nội  khởi công\n tuyến mới", 6), ("One two three.", 3),
    ("東京都は新たな感染対策を発表した", 8),   # a run of 16 CJK characters: two a word
    ("ข่าวการเมืองวันนี้", 3),                  # a run of 18 Thai characters: five a word, rounded down
])
def test_count_words_counts_spaced_tokens_and_estimates_unspaced_runs(text, words):
    assert count_words(text) == words


def test_the_cleaner_counts_words_as_the_n_words_column_does():
    from cleaning.textpage import word_count

    for line in ["Hà Nội khởi công tuyến đường sắt đô thị mới", "東京都、新たな感染対策を発表 飲食店に時短要請", "x"]:
        assert word_count(line) == count_words(line)
