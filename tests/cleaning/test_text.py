"""clean_text on the seeds, on whole-page dumps of the devset, and on each clutter family."""
from __future__ import annotations

from statistics import mean

import pytest

from cleaning import clean_text
from cleaning.metrics import shingle_f1
from cleaning.blocks import block_dump
from tests.conftest import SEEDS, SEEDS_GOLD, render

SEED_FILES = sorted(SEEDS.glob("*.txt"))


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_seed_matches_gold(seed):
    doc = clean_text(seed.read_text(), seed.name)
    assert shingle_f1(render(doc), (SEEDS_GOLD / seed.name).read_text()) >= 0.98


def test_clean_seed_comes_through_untouched():
    seed = next(p for p in SEED_FILES if p.name.startswith("000_"))
    doc = clean_text(seed.read_text())
    assert doc.title is None
    assert doc.text == "\n".join(line.strip() for line in seed.read_text().splitlines() if line.strip())


def test_devset_page_dumps_score_at_least_095(devset_pages):
    scores = {name: shingle_f1(render(clean_text(block_dump(html))), gold) for name, html, gold in devset_pages}
    assert mean(scores.values()) >= 0.95, scores
    assert min(scores.values()) >= 0.9, scores


def article(*body: str) -> list[str]:
    return [
        "Trang chủ", "Thời sự", "Thế giới",
        "Hà Nội khởi công tuyến đường sắt đô thị mới",
        *body,
    ]


BODY = [
    "Sáng nay, thành phố Hà Nội đã tổ chức lễ khởi công tuyến đường sắt đô thị số 5 với tổng chiều dài gần 40 km.",
    "Theo kế hoạch, tuyến đường sẽ được đưa vào vận hành thương mại sau năm năm xây dựng và kết nối nhiều quận.",
    "Đại diện chủ đầu tư cho biết các gói thầu chính đã được lựa chọn và công trường sẽ làm việc ba ca mỗi ngày.",
]


def clean(lines: list[str]):
    return clean_text("\n".join(lines))


def test_headline_found_above_the_lead_and_menus_dropped():
    doc = clean(article(*BODY))
    assert doc.title == "Hà Nội khởi công tuyến đường sắt đô thị mới"
    assert doc.text.splitlines() == BODY


@pytest.mark.parametrize("heading", ["Đọc thêm", "TIN LIÊN QUAN", "Xem thêm:", "Bài liên quan", "Tin cùng chuyên mục",
                                     "Có thể bạn quan tâm", "Tin mới nhất", "Read more", "Related"])
def test_related_block_with_headlines_and_teasers_removed(heading):
    block = [
        heading,
        "Giá vàng hôm nay tăng mạnh trên thị trường thế giới",
        "Giá vàng hôm nay tăng mạnh trên thị trường thế giới",
        "Giá vàng thế giới tăng vọt trong phiên giao dịch sáng nay khi đồng USD suy yếu mạnh so với các đồng tiền khác.",
        "Mưa lớn gây ngập nhiều tuyến phố ở miền Trung",
        "Mưa lớn kéo dài từ đêm qua đã khiến nhiều tuyến phố tại các tỉnh miền Trung bị ngập sâu ...",
    ]
    doc = clean(article(*BODY, *block))
    assert doc.text.splitlines() == BODY


def test_related_box_inside_the_body_removed_and_body_after_it_kept():
    links = ["Hộ kinh doanh phải kê khai tất cả tài khoản nhận tiền bán hàng từ tháng sau",
             "Chính phủ quy định chi tiết ngưỡng doanh thu miễn thuế với hộ kinh doanh",
             "Cách kê khai và nộp thuế cho cá nhân và hộ kinh doanh nhỏ lẻ"]
    doc = clean(article(BODY[0], *links, BODY[1], BODY[2]))
    assert doc.text.splitlines() == BODY


def test_link_bullets_under_the_headline_removed():
    bullets = ["- Tòa án tuyên phạt bị cáo 3 năm tù giam", "- Cảnh sát bắt giữ 600 người biểu tình trái phép"]
    doc = clean(["Ngoại trưởng hai nước lần đầu điện đàm", *bullets, *BODY])
    assert doc.title == "Ngoại trưởng hai nước lần đầu điện đàm"
    assert doc.text.splitlines() == BODY


def test_follow_share_comment_and_footer_lines_removed():
    clutter = ["Theo dõi Baoquocte.vn trên", "Chia sẻ", "Bình luận (0)", "Tối đa: 1500 ký tự",
               "Gửi bình luận", "Follow us on Facebook"]
    doc = clean(article(BODY[0], *clutter, BODY[1], BODY[2], "Phiên bản di động", "Bản quyền thuộc về Báo X."))
    assert doc.text.splitlines() == BODY


def test_captions_with_photo_credit_removed_and_headline_repeat_dropped():
    doc = clean(article(BODY[0], "Hà Nội khởi công tuyến đường sắt đô thị mới",
                        "Lãnh đạo thành phố dự lễ khởi công. Ảnh: TTXVN |",
                        "Công nhân làm việc trên công trường vào sáng nay. (Nguồn: AFP)", BODY[1], BODY[2]))
    assert doc.text.splitlines() == BODY


def test_byline_recorded_as_author_and_not_kept_in_text():
    doc = clean(["Hà Nội khởi công tuyến đường sắt đô thị mới", "Thế Việt", *BODY, "Hà Thu (tổng hợp)"])
    assert doc.author == "Thế Việt"
    assert doc.text.splitlines() == BODY
    doc = clean(["Hà Nội khởi công tuyến đường sắt đô thị mới", *BODY, "Hà Thu (tổng hợp)"])
    assert doc.author == "Hà Thu"


def test_subheadings_and_lists_inside_the_article_kept():
    lines = [BODY[0], "Những điểm mới đáng chú ý", BODY[1],
             "- Người dân được miễn phí vé trong tháng đầu tiên vận hành;", "- Học sinh được giảm nửa giá vé.", BODY[2]]
    doc = clean(article(*lines))
    assert doc.text.splitlines() == lines


def test_english_clutter_removed():
    body = ["The city council approved the new transit plan on Monday after months of public hearings and debate.",
            "Construction is expected to begin next spring, officials said, with the first line opening in 2030.",
            "Critics argue that the budget is too optimistic and that ridership estimates were inflated."]
    lines = ["Home", "News", "City council approves transit plan", "By Jane Doe", *body,
             "Share this article", "Related stories", "Mayor announces new budget priorities for next year",
             "Transit ridership rebounds after the pandemic slump", "Copyright 2026 The Daily News. All rights reserved."]
    doc = clean_text("\n".join(lines))
    assert doc.title == "City council approves transit plan"
    assert doc.author == "Jane Doe"
    assert doc.text.splitlines() == body
    assert doc.language == "en"


def test_nothing_left_is_none():
    assert clean_text("") is None
    assert clean_text(" \n\t\n") is None
    assert clean_text("Chia sẻ\nBình luận (0)\nPhiên bản di động") is None


def test_menu_under_a_related_heading_does_not_swallow_the_headline_and_lead():
    menu = ["Xem thêm", "Video Photo Longform", "Kinh tế", "Thời sự", "Hà Nội", "Đà Nẵng", "Cần Thơ"]
    doc = clean([*menu, "Hà Nội khởi công tuyến đường sắt đô thị mới", "Minh Chiến", "07/03/2026 08:06 GMT+7", *BODY])
    assert doc.title == "Hà Nội khởi công tuyến đường sắt đô thị mới"
    assert doc.author == "Minh Chiến"
    assert doc.text.splitlines() == BODY


def test_standfirst_under_the_headline_opens_the_article():
    standfirst = ("Indigenous peoples claim rights that remain unfulfilled, so channelling the protest "
                  "is more efficient than repressing it")
    body = ["The council approved the plan on Monday after months of public hearings and a long debate.",
            "Construction is expected to begin next spring, officials said, with the first line in 2030."]
    doc = clean(["Opinion", "A non-violent solution to the land question", standfirst, "March 13, 2015 9:00PM", *body])
    assert doc.title == "A non-violent solution to the land question"
    assert doc.text.splitlines() == [standfirst, *body]


@pytest.mark.parametrize("line", ["March 13, 2015 9:00PM", "Friday, 13 March 2015", "Thứ bảy, 7/3/2026, 00:05 (GMT+7)",
                                  "07/03/2026 08:06 GMT+7", "From: Herald Sun"])
def test_date_and_source_lines_are_not_text(line):
    doc = clean(article(BODY[0], line, BODY[1], BODY[2]))
    assert doc.text.splitlines() == BODY


def test_page_dumps_of_other_languages_score_at_least_095():
    from tests.conftest import ROOT

    fixtures = ROOT / "tests" / "cleaning" / "fixtures"
    scores = {}
    for gold in sorted((fixtures / "gold").glob("*.txt")):
        doc = clean_text(block_dump((fixtures / "pages" / f"{gold.stem}.html").read_bytes()))
        scores[gold.stem] = shingle_f1(render(doc), gold.read_text())
    assert len(scores) >= 2 and min(scores.values()) >= 0.95, scores


@pytest.mark.parametrize("line", ["Xem thêm: Giá vàng hôm nay tăng mạnh trên thị trường", "Read more: Council approves plan",
                                  "Theo TTXVN", "(Theo Reuters)", "Ảnh minh họa", "Image copyright Getty Images",
                                  "Sign up for our daily newsletter", "Trả lời", "Advertisement"])
def test_inline_links_source_lines_credits_and_widgets_are_not_text(line):
    doc = clean(article(BODY[0], line, BODY[1], BODY[2]))
    assert doc.text.splitlines() == BODY


def test_sentences_that_merely_start_like_clutter_are_kept():
    lines = [BODY[0], "Theo đó, Bộ Tài chính cho biết kế hoạch sẽ được thực hiện ngay trong năm nay.",
             "Xem thêm các quy định mới, người dân có thể tra cứu trên cổng dịch vụ công quốc gia.", BODY[1]]
    doc = clean(article(*lines))
    assert doc.text.splitlines() == lines


def test_cjk_article_found_in_a_page_dump():
    """Words are not separated by spaces: a CJK paragraph counts its words from its characters
    (cleaning.normalize.count_words) and ends with "。", so it is a paragraph, not one "word"."""
    from cleaning.normalize import count_words

    body = ["東京都は１２日、新型コロナウイルスの感染者が新たに３００人確認されたと発表した。都は飲食店に対して営業時間の短縮を要請する方針だ。",
            "小池知事は記者会見で「感染拡大を防ぐため、都民の皆様には不要不急の外出を控えていただきたい」と述べた。",
            "専門家は、年末年始に向けて人の移動が増えることから、さらなる感染拡大に警戒が必要だと指摘している。"]
    lines = ["ホーム", "ニュース", "スポーツ", "東京都、新たな感染対策を発表 飲食店に時短要請", *body,
             "関連記事", "大阪府でも感染者が増加 病床の逼迫続く", "政府、経済対策の第３弾を決定へ", "無断転載を禁じます"]
    doc = clean(lines)
    assert doc.title == "東京都、新たな感染対策を発表 飲食店に時短要請"
    assert doc.text.splitlines() == body
    assert count_words(body[0]) >= 20 and doc.n_words >= 50


def test_readers_comments_under_the_article_are_not_taken_for_it():
    """A comment thread longer than the article, under its comments heading, is not the core."""
    thread = []
    for i in range(8):
        thread += [f"Reader{i} says", "March 3, 2020 at 10:15 am",
                   f"I tried this recipe number {i} at home last weekend and it turned out really well, my "
                   f"whole family loved it and we will certainly make it again for the holidays.", "Reply"]
    body = ["The city council approved the new transit plan on Monday after months of public hearings and debate "
            "about the cost of the tram line and its route through the old town.",
            "Construction is expected to begin next spring, officials said, with the first line opening in 2030 and "
            "a second one planned for the northern districts later in the decade.",
            "Critics argue that the budget is too optimistic and that ridership estimates were inflated by the "
            "consultants the city hired before the vote."]
    doc = clean(["Home", "News", "City council approves transit plan", *body, "8 Comments", *thread])
    assert doc.title == "City council approves transit plan"
    assert doc.text.splitlines() == body


def _dumps_with_decisions():
    from tests.conftest import ROOT

    dumps = ROOT / "tests" / "cleaning" / "fixtures" / "dumps"
    return [*SEED_FILES, *sorted((dumps / "block").glob("*.txt")), *sorted((dumps / "soup").glob("*.txt")),
            *sorted((dumps / "lynx").glob("*.txt"))]


@pytest.mark.parametrize("dump", _dumps_with_decisions(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_decisions_account_for_every_line_and_the_kept_ones_are_the_text(dump):
    """Every non-blank line (after re-joining wrapped lines) has a decision, in input order; the
    kept ones are exactly the text's lines; the headline is reported as taken for the title."""
    from cleaning.normalize import normalize_line
    from cleaning.unwrap import join_fragments, unwrap

    doc = clean_text(dump.read_text())
    lines = [line for line in map(normalize_line, join_fragments(unwrap(dump.read_text().splitlines()))) if line]
    assert [d.line for d in doc.decisions] == lines
    assert [d.line for d in doc.decisions if d.kept] == doc.text.splitlines()
    removed = [d for d in doc.decisions if not d.kept]
    assert all(d.rule.split(":")[0] in ("lexicon", "structure") and len(d.rule.split(":")) >= 2 for d in removed)
    if doc.title:  # the headline, and its repeats in the text
        assert {d.line for d in doc.decisions if d.rule == "structure:title"} == {doc.title}


def test_decisions_name_the_lexicon_phrase_and_the_structure_rule():
    block = ["Tin liên quan", "Giá vàng hôm nay tăng mạnh trên thị trường thế giới",
             "Mưa lớn gây ngập nhiều tuyến phố ở miền Trung hôm nay"]
    doc = clean(article(*BODY, *block, "Bản quyền thuộc về Báo X."))
    rules = {d.line: d.rule for d in doc.decisions}
    assert rules["Tin liên quan"] == "lexicon:related_heading:tin lien quan"
    assert rules[block[1]] == rules[block[2]] == "lexicon:related:tin lien quan"
    assert rules["Trang chủ"] == "lexicon:boilerplate:trang chu"
    assert rules["Thế giới"] == "structure:outside_core"
    assert rules["Hà Nội khởi công tuyến đường sắt đô thị mới"] == "structure:title"
    assert all(rules[line] is None for line in BODY)


def test_decisions_of_repeats_link_runs_and_extractor_output():
    from cleaning.text import clean_lines

    links = ["Hộ kinh doanh phải kê khai tất cả tài khoản nhận tiền bán hàng từ tháng sau",
             "Chính phủ quy định chi tiết ngưỡng doanh thu miễn thuế với hộ kinh doanh",
             "Cách kê khai và nộp thuế cho cá nhân và hộ kinh doanh nhỏ lẻ"]
    article_ = clean_lines(article(BODY[0], *links, BODY[1], BODY[0], BODY[2]))
    rules = [d.rule for d in article_.decisions]
    assert rules[5:8] == ["structure:link_run"] * 3
    assert rules[9] == "structure:repeated"
    assert article_.paragraphs == BODY
    # An extractor's output (page_dump=False): the line repeating the known headline, and the
    # lines from the footer on.
    out = clean_lines(["Hà Nội khởi công", *BODY, "Bản quyền thuộc về Báo X.", "Hà Nội, tháng Ba"],
                      title_hint="Hà Nội khởi công", page_dump=False)
    assert [d.rule for d in out.decisions] == ["structure:title", None, None, None,
                                                out.decisions[4].rule, "structure:after_footer"]
    assert out.decisions[4].rule.startswith("lexicon:footer:")


def test_a_caption_or_a_widget_between_two_parts_of_the_article_does_not_split_it():
    """Two clusters of paragraphs apart by a table of short lines are bridged unless clutter
    stands between them; a photo credit or a widget line (repeated all over the page) is no
    such clutter."""
    table = [f"Quận {i}: {i * 7} trạm" for i in range(1, 11)]
    for between in (["Công nhân làm việc trên công trường. Ảnh: TTXVN"], ["Nhấn để phóng to ảnh"]):
        widgets = ["Nhấn để phóng to ảnh"] * 2
        doc = clean([*widgets, "Hà Nội khởi công tuyến đường sắt đô thị mới", BODY[0], BODY[1], *between, *table, BODY[2]])
        assert BODY[0] in doc.text and BODY[2] in doc.text, between


def test_teasers_cut_with_an_ellipsis_are_not_taken_for_the_article():
    """Short lines cut with "…" are teasers of other articles: a column of them is no core."""
    teasers = [f"Giá vàng hôm nay tăng mạnh trên thị trường thế giới, nhà đầu tư lo ngại phiên {i}…" for i in range(12)]
    doc = clean([*teasers, "Hà Nội khởi công tuyến đường sắt đô thị mới", BODY[0]])
    assert doc.text.splitlines() == [BODY[0]]
    # ... unless teasers are all the page has (a paywall shows the article's first lines)
    doc = clean(["Đăng nhập", teasers[0], "Đăng ký để đọc tiếp"])
    assert doc is not None and doc.text == teasers[0]


def test_an_article_with_a_timetable_is_not_outweighed_by_a_comment_thread():
    """Long lines that are no sentences (a timetable, a list of fixtures) are text, not clutter
    that costs the article its place against the readers' comments further down the page."""
    body = ["The tour moves to California this week, where the field gathers for the pro-am on three courses "
            "along the coast, with most of the leading players entered and the defending champion back after injury.",
            "The European circuit continues its desert swing in the Emirates, with two German players in the "
            "field, a new sponsor for the event and prize money raised by a fifth over the previous year.",
            "Both tournaments are shown live, and the broadcaster adds a second channel for the final rounds on "
            "the weekend, as it did last year when the two events ended within an hour of each other.",
            "Viewers without a subscription can follow the scores on the tour's own website and in its app, "
            "which shows every shot of the leading groups a few minutes after it was played on the course."]
    timetable = [f"Round {i}: Pebble Beach Pro-Am, day {i} at Pebble Beach, California, 21:00 on Channel {i}"
                 for i in range(1, 11)]
    thread = []
    for i in range(6):
        thread += [f"Reader{i} 23.07.2020 // 12:5{i}",
                   f"I think commentator number {i} is the only one with a calm voice and real knowledge of the game, "
                   f"the others should learn from him before the next broadcast of the season.", "Reply"]
    article = [body[0], body[1], *timetable[:5], body[2], *timetable[5:], body[3]]
    doc = clean(["Home", "Golf on TV: classics on the tour", *article, "© 2020 Golf Post GmbH", *thread])
    assert [line for line in doc.text.splitlines() if line in body] == body
    assert not any("commentator" in line for line in doc.text.splitlines())


def test_a_list_of_headline_like_lines_inside_the_article_is_kept():
    """Five lines or more in a row (a list of speakers, songs, fixtures), or lines that no
    paragraph follows, are the article's own; only a short box the text flows around is links."""
    speakers = ["Heidy Khlaaf, research consultant at a safety engineering firm in London",
                "Marie Dupont, professor of computer science at the university of Lyon",
                "Jan Kowalski, lead engineer of the open source compiler project",
                "Ana Souza, security researcher at a bank in Sao Paulo, Brazil",
                "Tom Baker, author of a book on the history of programming languages"]
    doc = clean(article(BODY[0], *speakers, BODY[1], BODY[2]))
    assert doc.text.splitlines() == [BODY[0], *speakers, BODY[1], BODY[2]]
    doc = clean(article(BODY[0], *speakers[:3], "Diễn giả", BODY[1], BODY[2]))
    assert doc.text.splitlines() == [BODY[0], *speakers[:3], "Diễn giả", BODY[1], BODY[2]]
