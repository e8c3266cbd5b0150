"""The lexicon file itself: loads, its patterns compile and follow the anchoring the code relies on."""
from __future__ import annotations

import re
import tomllib

from cleaning.lexicon import LEXICON_PATH, fold, load_text_lexicon


def test_line_patterns_are_anchored_at_the_start():
    text = tomllib.loads(LEXICON_PATH.read_text())["text"]
    for family in ("footer", "boilerplate", "byline"):
        for pattern in text[family].get("patterns", []):
            re.compile(pattern)
            assert pattern.startswith("^"), (family, pattern)


def test_phrases_are_folded_when_loaded():
    lexicon = load_text_lexicon()
    assert fold("Đọc thêm") == "doc them" and "doc them" in lexicon.related_headings
    assert lexicon.classify("» TIN LIÊN QUAN:") == "related_heading"
    assert lexicon.classify("Phiên bản di động") == "footer"
    assert lexicon.classify("Bản quyền thuộc về Báo Người Lao Động. " + "x " * 120) == "footer"  # long line
    assert lexicon.classify("Một đoạn văn bình thường của bài báo.") is None


def test_every_caption_pattern_example_holds_a_marker():
    lexicon = load_text_lexicon()
    for line in ["Công nhân đi qua các ống dẫn dầu. Ảnh: Reuters", "Lãnh đạo dự lễ. (Nguồn: AFP)", "Ảnh minh họa",
                 "Người dân mua sắm (Ảnh minh hoạ)", "Image copyright Getty Images", "A rally in the city. Photo by AP",
                 "Image caption A rally in the city"]:
        assert lexicon.classify(line) == "caption", line


def test_source_lines_name_an_outlet_and_subheadings_starting_alike_stay_text():
    lexicon = load_text_lexicon()
    for line in ["Theo TTXVN", "(Theo Reuters)", "Theo báo Thanh Niên", "Theo Bộ Y tế", "- Theo AFP",
                 "Theo hãng tin AP", "THEO TTXVN", "According to the BBC"]:
        assert lexicon.classify(line) == "boilerplate", line
    for line in ["Theo dấu chân người lính", "Theo báo cáo mới nhất", "THEO DẤU CHÂN NGƯỜI LÍNH", "Theo",
                 "Theo ông Nguyễn Văn A, giá xăng sẽ còn tăng trong tuần tới."]:
        assert lexicon.classify(line) is None, line
