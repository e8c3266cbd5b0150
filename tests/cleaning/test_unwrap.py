"""Hard-wrapped text dumps are re-joined; dumps with a paragraph per line are left as they are."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cleaning import clean_text
from cleaning.metrics import shingle_f1
from cleaning.unwrap import join_fragments, unwrap, wrap_width
from cleaning.blocks import block_dump
from tests.conftest import DEVSET, SEEDS, SEEDS_GOLD, render

FIXTURE_PAGES = sorted((Path(__file__).parent / "fixtures" / "pages").glob("*.html"))
DUMPS = ([(s.name, s.read_text(), (SEEDS_GOLD / s.name).read_text()) for s in sorted(SEEDS.glob("*.txt"))]
         + [(p.name, block_dump(p.read_bytes()), (DEVSET / "gold" / f"{p.stem}.txt").read_text())
            for p in sorted((DEVSET / "pages").glob("*.html"))])


def hard_wrap(text: str, width: int) -> str:
    """Every line wrapped at ``width`` as ``fmt`` / ``lynx -dump`` would (blank lines kept)."""
    return "\n".join(part for line in text.splitlines() for part in (textwrap.wrap(line, width) or [""]))


@pytest.mark.parametrize("width", [60, 72, 79, 100])
@pytest.mark.parametrize("name, text, gold", DUMPS, ids=[d[0] for d in DUMPS])
def test_hard_wrapped_dump_cleans_about_as_well_as_the_original(name, text, gold, width):
    wrapped = hard_wrap(text, width)
    assert wrap_width(wrapped.splitlines()) == width
    original = shingle_f1(render(clean_text(text)), gold)
    assert shingle_f1(render(clean_text(wrapped)), gold) >= min(0.92, original - 0.06)  # was 0.05-0.77 before


def test_dumps_with_a_paragraph_per_line_are_unchanged():
    texts = [text for _, text, _ in DUMPS] + [block_dump(p.read_bytes()) for p in FIXTURE_PAGES]
    for text in texts:
        assert unwrap(text.splitlines()) == text.splitlines()


def test_paragraphs_are_joined_and_short_lines_and_sentence_ends_kept():
    paragraph = ("The council approved the plan on Monday after months of public hearings and a long debate "
                 "about the cost of the new tram line, which will run from the old port to the university "
                 "campus and carry some forty thousand passengers a day once it opens in two years")
    lines = (["Home | World | Business", "", *textwrap.wrap(paragraph + ".", 64), ""]
             + textwrap.wrap("Residents who spoke at the hearings were divided over the route through the "
                             "historic centre and the loss of parking along the river embankment today.", 64)
             + ["", "Share this article", "Read more", *textwrap.wrap(paragraph + " and more words still", 64)])
    out = unwrap(lines)
    assert out[:3] == ["Home | World | Business", "", paragraph + "."]
    assert "Share this article" in out and "Read more" in out
    assert out[-1] == paragraph + " and more words still"


def test_a_list_of_short_headlines_is_not_taken_for_a_wrapped_text():
    headlines = ["Giá xăng dầu tăng mạnh trong kỳ điều chỉnh hôm nay và tuần tới",
                 "Hà Nội mở rộng tuyến xe buýt điện đến các huyện ngoại thành",
                 "Tuyển Việt Nam thắng đậm trong trận mở màn vòng loại",
                 "Miền Trung chủ động phòng chống nắng nóng kéo dài",
                 "Học sinh lớp 10 thi tuyển năm nay có nhiều thay đổi",
                 "Ngân hàng giảm lãi suất cho vay mua nhà ở xã hội"] * 3
    assert wrap_width(headlines) is None and unwrap(headlines) == headlines


def test_a_lynx_dump_with_its_reference_list_of_long_urls_is_unwrapped():
    paragraph = ("The council approved the plan on Monday after months of public hearings and a long debate "
                 "about the cost of the new tram line, which will run from the old port to the university")
    lines = ["   " + line for line in textwrap.wrap(paragraph + " campus.", 76)] * 3
    lines += ["", "References", ""] + [f"   {i}. https://example.com/news/2024/05/a-very-long-article-path-{i}.html" for i in range(5)]
    assert wrap_width(lines) == max(len(line) for line in lines[:9])
    assert unwrap(lines)[0] == "   " + paragraph + " campus."


def test_cjk_text_wrapped_at_display_columns_is_joined_without_spaces():
    paragraph = "東京都は十二日、新型コロナウイルスの感染者が新たに三百人確認されたと発表した。" * 4
    lines = [paragraph[i:i + 38] for i in range(0, len(paragraph), 38)] * 2  # 38 characters = 76 columns
    out = unwrap(lines)
    assert len(out) < len(lines) and all(" " not in line for line in out)
    assert "".join(out) == "".join(lines)


def test_pieces_of_a_sentence_cut_at_its_links_are_rejoined():
    lines = ["Fall is here.", "With Scratch, you'll find", "meal prep for busy schedules",
             "that's protein-forward without being boring.", "At", "Scratch Culinary",
             ", we keep our finger on the pulse of the nutrition world.", "Home", "About"]
    assert join_fragments(lines) == [
        "Fall is here.", "With Scratch, you'll find meal prep for busy schedules that's protein-forward without being boring.",
        "At Scratch Culinary, we keep our finger on the pulse of the nutrition world.", "Home", "About"]


def test_a_dump_with_no_sentence_cut_at_a_link_is_left_as_it_is():
    lines = ["Laurie Oakes", "Angry media won't buckle over new surveillance laws", "by: Laurie Oakes",
             "The council approved the plan on Monday."]
    assert join_fragments(lines) == lines


def test_pieces_cut_at_links_are_rejoined_when_several_go_on_in_lower_case():
    """A text-node dump of a page whose links never stand before punctuation: the signature is
    lines going on in lower case after a line left open (three of them at least)."""
    lines = ["Heizen mit Abfallholz", "In Absprache mit der Straßenmeisterei findet er kostenloses", "Holz",
             "und heizt damit sein komplettes Haus.", "Die Anlage presst das", "Holz",
             "zu Ballen, die gleichmäßig abbrennen.", "Die Presse stammt aus einem alten", "Müllwagen",
             "der Stadt Kassel."]
    assert join_fragments(lines) == [
        "Heizen mit Abfallholz",
        "In Absprache mit der Straßenmeisterei findet er kostenloses Holz und heizt damit sein komplettes Haus.",
        "Die Anlage presst das Holz zu Ballen, die gleichmäßig abbrennen.",
        "Die Presse stammt aus einem alten Müllwagen der Stadt Kassel."]
    # two such lines are no signature: a block dump's lines stay as they are
    assert join_fragments(lines[:7]) == lines[:7]
