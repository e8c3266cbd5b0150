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
