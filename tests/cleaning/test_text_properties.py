"""Properties of clean_text on arbitrary text: never raises, idempotent, never invents a line."""
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
    allowed = {normalize_line(part) for line in lines for part in line.splitlines()}
    produced = render(doc).splitlines()
    assert all(line in allowed for line in produced), set(produced) - allowed
    assert doc.author is None or any(doc.author in line for line in allowed)


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
