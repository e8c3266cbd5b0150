"""Quality signals and the FineWeb-2 filter reason (cleaning.quality), on hand-checked texts.

Every expected value below was counted by hand from the text (the comments show the counts);
none was copied from the code's output.
"""
from pathlib import Path

import pyarrow as pa
import pytest

from cleaning import clean_html
from cleaning.document import Document
from cleaning.parquet import SCHEMA, documents_to_table
from cleaning.quality import (
    SIGNAL_COLUMNS,
    add_quality_signals,
    fineweb2_reason,
    measure_text,
    thresholds_for,
    tokenize,
)

PAGES = Path(__file__).parent / "fixtures" / "pages"

# 3 lines, the third repeats the first. Tokens: line 1 "Hà Nội là thủ đô của Việt Nam ." (9),
# line 2 "Thành phố có nhiều hồ đẹp ." (7), line 3 = line 1 (9): 25 tokens, 3 of them ".".
# Characters: 30 + 1 + 26 + 1 + 30 = 88.
VI = "Hà Nội là thủ đô của Việt Nam.\nThành phố có nhiều hồ đẹp.\nHà Nội là thủ đô của Việt Nam."
VI_EXPECTED = {
    # word lengths: 2+3+2+3+2+3+4+3 = 22 (line 1), 5+3+2+5+2+3 = 20 (line 2), 22 (line 3); 22 words
    "mean_word_length": 64 / 22,
    "frac_lines_end_punct": 3 / 3,
    "frac_dup_lines": 1 / 3,
    "frac_chars_dup_lines": 30 / 88,
    "frac_dup_paragraphs": 0 / 1,          # no blank line: the whole text is one Gopher paragraph
    "frac_chars_dup_paragraphs": 0 / 88,
    "frac_chars_top_2gram": 2 * len("Hà Nội") / 88,          # every repeated bigram occurs twice;
    "frac_chars_top_3gram": 2 * len("Hà Nội là") / 88,       # the first one seen wins the tie
    "frac_chars_top_4gram": 2 * len("Hà Nội là thủ") / 88,
    # the n-gram starting line 3 repeats the one starting line 1 (joined without spaces), and
    # the scan then jumps past the end
    "frac_chars_dup_5grams": len("HàNộilàthủđô") / 88,
    "frac_chars_dup_6grams": len("HàNộilàthủđôcủa") / 88,
    "frac_chars_dup_7grams": len("HàNộilàthủđôcủaViệt") / 88,
    "frac_chars_dup_8grams": len("HàNộilàthủđôcủaViệtNam") / 88,
    "frac_chars_dup_9grams": len("HàNộilàthủđôcủaViệtNam.") / 88,
    "frac_chars_dup_10grams": 0 / 88,      # line 3 has only 9 tokens
    "frac_stop_words": 5 / 25,             # là, của (line 1), có (line 2), là, của (line 3)
    "frac_non_alpha_words": 3 / 25,        # the three "."
}

# Tokens: 13 words + "." and 5 words + ".": 20; characters 65 + 1 + 25 = 91.
EN = "The minister said on Monday that the new bridge will open in May.\nWork began two years ago."
EN_EXPECTED = {
    # 3+8+4+2+6+4+3+3+6+4+4+2+3 = 52 and 4+5+3+5+3 = 20 over 18 words
    "mean_word_length": 72 / 18,
    "frac_lines_end_punct": 2 / 2,
    "frac_dup_lines": 0 / 2,
    "frac_chars_dup_lines": 0 / 91,
    "frac_dup_paragraphs": 0 / 1,
    "frac_chars_dup_paragraphs": 0 / 91,
    "frac_chars_top_2gram": len("The minister") / 91,        # no n-gram repeats: the first, once
    "frac_chars_top_3gram": len("The minister said") / 91,
    "frac_chars_top_4gram": len("The minister said on") / 91,
    **{f"frac_chars_dup_{n}grams": 0 / 91 for n in range(5, 11)},
    "frac_stop_words": 2 / 20,             # "that", "the" (Gopher's list is matched case-sensitively)
    "frac_non_alpha_words": 2 / 20,
}

# One token per Han character: 8 + "。" and 8 + "。" = 18 tokens; 9 + 1 + 9 = 19 characters.
ZH = "北京是中国的首都。\n上海是一个大城市。"
ZH_EXPECTED = {
    "mean_word_length": 16 / 16,
    "frac_lines_end_punct": 2 / 2,
    "frac_dup_lines": 0 / 2,
    "frac_chars_dup_lines": 0 / 19,
    "frac_dup_paragraphs": 0 / 1,
    "frac_chars_dup_paragraphs": 0 / 19,
    "frac_chars_top_2gram": len("北 京") / 19,
    "frac_chars_top_3gram": len("北 京 是") / 19,
    "frac_chars_top_4gram": len("北 京 是 中") / 19,
    **{f"frac_chars_dup_{n}grams": 0 / 19 for n in range(5, 11)},
    "frac_stop_words": 4 / 18,             # 是, 中, 的 (line 1), 是 (line 2): cmn_Hani's list
    "frac_non_alpha_words": 2 / 18,        # the two "。"
}


@pytest.mark.parametrize(
    ("text", "language", "expected", "reason"),
    [
        (VI, "vi", VI_EXPECTED, "dup_line_frac"),      # 1/3 of lines repeated > vie_Latn's 0.293
        (EN, "en", EN_EXPECTED, "top_3_gram"),         # 17/91 = 0.187 > 0.18 (2-grams: 12/91 <= 0.2)
        (ZH, "zh", ZH_EXPECTED, "top_3_gram"),         # 5/19 = 0.263 > cmn_Hani's 0.201 (2-grams 3/19 <= 0.256)
    ],
    ids=["vi", "en", "zh"],
)
def test_signals_of_hand_checked_texts(text, language, expected, reason):
    doc = add_quality_signals(Document(id="x", source="x", text=text, language=language))
    assert {name: getattr(doc, name) for name in SIGNAL_COLUMNS} == expected
    assert doc.filter_reason == reason


def test_tokens_split_punctuation_elisions_numbers_and_han_characters():
    assert tokenize("L'État a dit: 3,5 % de plus... 北京市。") == [
        "L'", "État", "a", "dit", ":", "3,5", "%", "de", "plus", "...", "北", "京", "市", "。"]
    # as spaCy's tokenizers: clitics apart, URLs, addresses, domains, abbreviations and codes whole
    assert tokenize("It's the U.S. rule, don't you think? See https://a.example/x?y=1. COVID-19 at TP.HCM") == [
        "It", "'s", "the", "U.S.", "rule", ",", "do", "n't", "you", "think", "?", "See", "https://a.example/x?y=1",
        ".", "COVID-19", "at", "TP.HCM"]


def test_thresholds_are_the_published_ones_or_the_defaults():
    assert thresholds_for("vi").config == "vie_Latn" and thresholds_for("vi").line_punct_thr == 0.333
    assert thresholds_for("zh").config == "cmn_Hani"
    assert thresholds_for("ko").config == "default" and not thresholds_for("ko").stopwords
    assert thresholds_for("en").stopwords == {"the", "be", "to", "of", "and", "that", "have", "with"}


def test_reasons_further_down_the_pipeline():
    # 6 lines of 12 distinct tokens each: no line, n-gram or punctuation rule fires ...
    words = ["Alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo"]
    text = "\n".join(" ".join(f"{w}{i}" for w in words) + "." for i in range(6))
    signals = measure_text(text, "en")
    assert signals.frac_dup_lines == 0 and signals.frac_chars_dup[5] == 0
    # ... but 66 words with no English stop word: Gopher's last rule
    assert fineweb2_reason(signals, "en") == "gopher_enough_stop_words"
    # the same text in a language without a stop-word list passes
    assert fineweb2_reason(measure_text(text, "ko"), "ko") is None
    # too few words
    short = "\n".join(" ".join(f"{w}{i}" for w in words[:4]) + "." for i in range(6))
    assert fineweb2_reason(measure_text(short, "ko"), "ko") == "gopher_short_doc"
    # lines without final punctuation
    bare = "\n".join(" ".join(f"{w}{i}" for w in words) for i in range(6))
    assert fineweb2_reason(measure_text(bare, "ko"), "ko") == "line_punct_ratio"


def test_real_articles_pass_and_the_columns_are_in_the_schema():
    rows = []
    for name in ("en_dw.html", "es_lanacion.html"):
        doc = clean_html((PAGES / name).read_bytes(), url=f"https://example.com/{name}")
        assert doc is not None and doc.filter_reason is None, (name, doc and doc.filter_reason)
        assert 0 < doc.frac_stop_words < 1 and 3 < doc.mean_word_length < 8
        rows.append(doc)
    table = documents_to_table(rows)
    assert table.schema == SCHEMA
    assert all(table.schema.field(name).type == pa.float32() for name in SIGNAL_COLUMNS)
    assert table["filter_reason"].to_pylist() == [None, None]
