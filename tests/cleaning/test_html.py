"""clean_html / process_html: clutter families, captions, metadata, bad inputs."""
from __future__ import annotations

import pytest

from cleaning import Dropped, clean_html, process_html
from cleaning.captions import caption_is_sentence
from cleaning.html_lexicon import load_html_lexicon
from cleaning.parsing import MAX_BYTES
from tests.cleaning.pages import BODY, LEAD, TITLE, page
from tests.conftest import with_peak_memory

def test_keeps_title_lead_and_body():
    doc = clean_html(page().encode("utf-8"), url="https://baomau.vn/gia-xang-123.html")
    assert doc is not None
    assert doc.title == TITLE
    lines = doc.text.splitlines()
    assert lines[0] == LEAD
    for paragraph in BODY:
        assert paragraph in lines
    assert TITLE not in lines
    assert "Trang chủ" not in doc.text and "Giấy phép" not in doc.text
    assert doc.domain == "baomau.vn" and doc.language == "vi"


@pytest.mark.parametrize("clutter, words", [
    ('<div class="kbwscwl-relatedbox"><ul><li><a href="/a">Hộ kinh doanh phải kê khai tất cả tài khoản nhận tiền bán hàng từ ngày mai</a></li>'
     '<li><a href="/b">Chính phủ quy định chi tiết ngưỡng doanh thu miễn thuế với hộ kinh doanh</a></li></ul></div>', "kê khai tất cả"),
    ('<div type="RelatedOneNews" class="VCSortableInPreviewMode"><a class="OneNewsTitle" href="/x">Xung đột ở Trung Đông khiến xuất khẩu Việt lao đao vì phụ phí</a>'
     '<p class="VCObjectBoxRelatedNewsItemSapo">Xung đột leo thang tại Trung Đông đang đẩy doanh nghiệp xuất khẩu vào thế khó khi cước vận tải tăng vọt.</p></div>', "cước vận tải"),
    ('<div id="box-comment"><h3>Bình luận (0)</h3><textarea></textarea><span>Tối đa: 1500 ký tự</span>'
     '<p>Hiện chưa có bình luận nào, hãy là người đầu tiên bình luận</p><button>Gửi bình luận</button></div>', "Tối đa"),
    ('<div class="box-tags"><span>Chủ đề:</span><a href="/t1">chiến sự Trung Đông</a><a href="/t2">giá xăng dầu</a></div>', "chiến sự Trung Đông"),
    ('<div class="social-share"><a>Chia sẻ Facebook</a><a>Copy link</a></div>', "Copy link"),
    ('<div class="ads-middle"><p>Quảng cáo: mua ngay căn hộ cao cấp giá ưu đãi chỉ trong tuần này</p></div>', "căn hộ cao cấp"),
])
def test_clutter_containers_are_pruned(clutter, words):
    for where in ("body", "after"):
        html = page(body_extra=clutter) if where == "body" else page(after=clutter)
        doc = clean_html(html)
        assert doc is not None and words not in doc.text, where
        assert BODY[-1] in doc.text


def test_byline_becomes_author_not_text():
    signature = '<p class="Normal" style="text-align:right;"><strong>Hà Thu</strong> <em>(tổng hợp)</em></p>'
    doc = clean_html(page(body_extra=signature))
    assert "Hà Thu" not in doc.text
    assert doc.author == "Hà Thu"
    doc = clean_html(page(body_extra='<div class="article__author"><span>Minh Chiến</span></div>'))
    assert "Minh Chiến" not in doc.text and doc.author == "Minh Chiến"


def test_captions_policy():
    sentence = "Công nhân đi qua các ống dẫn dầu tại một nhà máy lọc dầu ở Vũ Hán (Hồ Bắc, Trung Quốc). Ảnh: Reuters"
    noun_phrase = "Tàu dầu gần thành phố cảng Nakhodka (Nga) tháng 12/2022. Ảnh: Reuters"
    credit = "Ảnh: Reuters"
    figures = "".join(f'<figure class="tplCaption"><img src="/{i}.jpg"><figcaption><p>{c}</p></figcaption></figure>'
                      for i, c in enumerate((sentence, noun_phrase, credit)))
    doc = clean_html(page(body_extra=BODY[0].join(["<p>", "</p>"]) + figures + "<p>Đoạn kết của bài viết mô tả thêm diễn biến thị trường trong những ngày tới.</p>"))
    lines = doc.text.splitlines()
    assert sentence in lines
    assert not any("Nakhodka" in line for line in lines)
    assert credit not in lines


def test_caption_rule_other_languages():
    lexicon = load_html_lexicon()
    assert caption_is_sentence("Workers walk past oil pipelines at a refinery in Wuhan, Hubei province, China, on Monday. Photo: Reuters", lexicon)
    assert not caption_is_sentence("Photo: Reuters", lexicon)
    assert not caption_is_sentence("Oil tanker near Nakhodka, December 2022. Foto: dpa", lexicon)


def test_lead_recovered_when_outside_body_and_not_duplicated():
    doc = clean_html(page())
    assert doc.text.count("Giá xăng dầu trong nước đồng loạt tăng") == 1
    doc = clean_html(page(lead=False))
    assert "đồng loạt" not in doc.text


def test_metadata_fields():
    head = ('<link rel="canonical" href="https://baomau.vn/gia-xang-123.html">'
            '<meta property="article:published_time" content="2026-03-07T08:01:53">'
            '<script type="application/ld+json">{"@type":"NewsArticle","headline":"x","author":{"@type":"Person","name":"Nhật Xuân"},'
            '"publisher":{"@type":"Organization","name":"Báo Mẫu"}}</script>')
    doc = clean_html(page(head=head), url="https://baomau.vn/gia-xang-123.html?utm_source=fb")
    assert doc.url == "https://baomau.vn/gia-xang-123.html"
    assert doc.author == "Nhật Xuân"
    assert doc.published.isoformat() == "2026-03-07T01:01:53+00:00"   # .vn without a zone: UTC+7
    other = clean_html(page(head=head), url="https://other.vn/copy.html")
    assert other.id == doc.id  # the id follows the canonical URL


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"   \n\t  ", "empty"),
    ("", "empty"),
    (b"<html></html>", "no_article"),
    (b"<html><body><div></div></body></html>", "no_article"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary"),
    (b"PK\x03\x04" + b"\x00" * 50, "binary"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 50, "binary"),
    (b"\x00" * 1_048_576, "binary"),
])
def test_bad_inputs_give_a_reason(data, reason):
    result = process_html(data)
    assert isinstance(result, Dropped) and result.reason == reason


def test_too_large_is_dropped_before_parsing():
    big = b"<html><body><p>" + b"x" * (MAX_BYTES + 10) + b"</p></body></html>"
    result, peak = with_peak_memory(lambda: process_html(big))
    assert isinstance(result, Dropped) and result.reason == "too_large"
    assert peak < 1024 * 1024, peak  # judged on the raw bytes: not decoded (a parse allocates ~30 MB here)
    small = process_html(page().encode(), max_bytes=1000)
    assert isinstance(small, Dropped) and small.reason == "too_large"


def test_eleven_megabyte_text_node():
    huge = "<html><body><p>" + "chữ " * (11 * 1024 * 1024 // 4) + "</p></body></html>"   # 11 M characters
    result = process_html(huge)
    assert isinstance(result, Dropped) and result.reason == "too_large"
    result = process_html(huge, max_bytes=20 * 1024 * 1024)   # over the cap: still no crash
    assert result is not None


def test_nesting_300_is_recovered_and_flagged():
    deep = "<div>" * 300 + "<p>" + BODY[1] + "</p>" + "</div>" * 300
    html = page(body_extra=deep)
    doc = process_html(html)
    assert not isinstance(doc, Dropped)
    assert "deep_nesting" in doc.flags
    assert BODY[1] in doc.text and BODY[3] in doc.text


def test_nesting_100k_is_dropped_not_crashing():
    deep = "<div>" * 100_000 + "text" + "</div>" * 100_000
    result = process_html(page(body_extra=deep))
    assert isinstance(result, Dropped) and result.reason == "too_deep"


def test_str_and_bytes_agree():
    html = page()
    assert clean_html(html).text == clean_html(html.encode("utf-8")).text
