"""Imported once by the forkserver that ``cleaning.limits.HtmlPool`` forks its workers from:
everything a worker needs is loaded and warmed up here, so that every worker shares it.

The first ``process_html`` call of a process costs ~130 ms more than the next ones (lazy imports,
regexes compiled on first use, langdetect's profiles); made here on a small page, it is paid
once for all workers, and what it builds is shared between them instead of copied into each."""
from cleaning.minhash import signature
from cleaning.document import Document
from cleaning.html import process_html
from cleaning.html_lexicon import load_html_lexicon
from cleaning.lexicon import load_text_lexicon

WARM_UP_PAGE = """<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">
<title>Khởi động bộ làm sạch - Báo Mẫu</title><meta property="og:title" content="Khởi động bộ làm sạch">
<meta property="article:published_time" content="2024-05-01T08:00:00+07:00"></head><body>
<nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/thoi-su">Thời sự</a></li></ul></nav>
<article><h1>Khởi động bộ làm sạch</h1><p class="sapo">Một trang nhỏ chạy qua mọi bước một lần.</p>
<p>Tiến trình máy chủ phân nhánh tải trước bộ trích xuất, các tiến trình con dùng chung phần đã nạp.</p>
<p>Lần gọi đầu tiên biên dịch biểu thức chính quy và nạp hồ sơ ngôn ngữ, các lần sau nhanh hơn nhiều.</p>
<figure><img src="/a.jpg"><figcaption>Ảnh minh họa. Ảnh: Báo Mẫu</figcaption></figure>
<p class="author">Nguyễn Văn A</p></article>
<div class="related"><h3>Tin liên quan</h3><ul><li><a href="/b-1.html">Bài khác một</a></li></ul></div>
<footer>Bản quyền thuộc về Báo Mẫu. Phiên bản di động</footer></body></html>"""

load_html_lexicon()
load_text_lexicon()
WARM_UP_DOCUMENT = process_html(WARM_UP_PAGE.encode("utf-8"), "https://example.vn/thoi-su/khoi-dong-1.html")
if isinstance(WARM_UP_DOCUMENT, Document):
    signature(WARM_UP_DOCUMENT.text)
