"""A small Vietnamese news page that the HTML cleaner tests (and the pool tests) build on."""
from __future__ import annotations

BODY = [
    "Giá xăng dầu trong nước tăng mạnh sau khi xung đột ở Trung Đông đẩy giá dầu thô thế giới lên mức cao nhất trong hai năm qua.",
    "Bộ Công Thương cho biết các doanh nghiệp đầu mối đã được yêu cầu bảo đảm nguồn cung cho thị trường trong mọi tình huống.",
    "Theo các chuyên gia, giá có thể tiếp tục biến động trong những tuần tới khi các nước lớn điều chỉnh chính sách xuất khẩu nhiên liệu.",
    "Nhiều địa phương đã kiểm tra các cửa hàng bán lẻ để ngăn chặn tình trạng găm hàng, đầu cơ và nâng giá bất hợp lý.",
]
TITLE = "Giá xăng dầu tăng mạnh vì xung đột Trung Đông"
LEAD = "(NLĐO)- Giá xăng dầu trong nước đồng loạt tăng từ chiều nay, mức tăng cao nhất kể từ đầu năm."


def page(body_extra: str = "", after: str = "", head: str = "", lead: bool = True) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY)
    return f"""<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{TITLE} - Báo Mẫu</title>
<meta property="og:title" content="{TITLE}">{head}</head><body>
<header><nav><a href="/">Trang chủ</a> <a href="/kinh-te">Kinh tế</a></nav></header>
<main><article><h1 class="detail-title">{TITLE}</h1>
{'<h2 class="detail-sapo">' + LEAD + '</h2>' if lead else ''}
<div class="detail-content">{paragraphs}{body_extra}</div></article>{after}</main>
<footer><p>Bản quyền thuộc về Báo Mẫu. Giấy phép số 123/GP-BTTTT.</p></footer></body></html>"""
