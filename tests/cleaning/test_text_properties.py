"""Properties of clean_text on arbitrary text: never raises, idempotent, never invents a line
(an output line is an input line, or consecutive input lines re-joined: with a space, or without
one before closing punctuation and between CJK characters)."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaning import clean_text
from cleaning.normalize import normalize_line
from tests.conftest import render

# Lines drawn from real clutter and article shapes, mixed with arbitrary unicode.
SHAPES = st.sampled_from([
    "Đọc thêm", "TIN LIÊN QUAN", "Xem thêm:", "Chia sẻ", "Bình luận (0)", "Phiên bản di động", "Thế Việt",
    "Theo dõi Báo X trên", "- Tin ngắn về thời sự trong nước hôm nay", "Ảnh: Reuters", "Hà Thu (tổng hợp)",
    "Giá xăng dầu tăng mạnh trong kỳ điều chỉnh hôm nay",
    "Sáng nay, thành phố đã tổ chức lễ khởi công tuyến đường sắt đô thị mới với tổng chiều dài gần 40 km.",
    "The council approved the plan on Monday after months of public hearings and a long debate.",
    "Ông ấy nói: \"Chúng tôi sẽ tiếp tục theo dõi tình hình và báo cáo lại trong tuần tới\".",
    "", "   ", "\t", "hoà bình", "khoẻ", "\u200b\ufeff", "x" * 300,
])
LINES = st.lists(st.one_of(SHAPES, st.text(max_size=120)), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_never_raises_and_never_invents_a_line(lines):
    doc = clean_text("\n".join(lines))
    if doc is None:
        return
    # An output line is an input line, or consecutive input lines joined (a hard-wrapped paragraph).
    parts = "\n".join(lines).splitlines()
    allowed = {normalize_line(" ".join(parts[i:j])) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}
    unspaced = {"".join(line.split()) for line in allowed}  # the same pieces glued without spaces
    produced = render(doc).splitlines()
    assert all(line in allowed or "".join(line.split()) in unspaced for line in produced), set(produced) - allowed
    assert doc.author is None or any("".join(doc.author.split()) in line for line in unspaced)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINES)
def test_idempotent(lines):
    first = clean_text("\n".join(lines))
    if first is None:
        return
    second = clean_text(render(first))
    assert second is not None
    assert (second.title, second.text) == (first.title, first.text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_text_never_raises(text):
    doc = clean_text(text)
    assert doc is None or (doc.text and "\x00" not in doc.text)


WORDS = st.sampled_from("Sáng nay thành phố đã tổ chức lễ khởi công tuyến đường sắt đô thị mới với tổng chiều dài "
                        "gần 40 km. Hà Nội The council approved plan on Monday, after months. \"Chúng tôi\" Đọc "
                        "thêm".split())
#: Prose paragraphs: words, ending a sentence (headline-like lines without a final stop, all of
#: one length, can look wrapped once a cleaned text has put them one after the other).
PARAGRAPHS = st.lists(st.lists(WORDS, min_size=1, max_size=80).map(lambda words: " ".join(words) + "."),
                      min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(PARAGRAPHS, st.integers(min_value=30, max_value=170), st.booleans())
def test_unwrapping_joins_only_consecutive_lines_and_is_stable(paragraphs, width, blank_between):
    """What unwrap joins is consecutive lines; its output, blank lines dropped as a cleaned text
    renders it, is not unwrapped again (so cleaning a cleaned text changes nothing more)."""
    import textwrap

    from cleaning.unwrap import unwrap

    lines = ("\n\n" if blank_between else "\n").join(textwrap.fill(p, width) for p in paragraphs).splitlines()
    out = unwrap(lines)
    joins = {" ".join(line.strip() for line in lines[i:j]) for i in range(len(lines)) for j in range(i + 1, len(lines) + 1)}
    assert all(line in lines or line in joins for line in out)
    rendered = [line for line in out if line.strip()]
    assert unwrap(rendered) == rendered
