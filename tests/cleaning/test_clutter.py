"""cleaning.clutter: marked containers cost only their own lines, within the guards."""
from __future__ import annotations

from cleaning.clutter import Clutter, Container, drop_clutter


def test_clutter_lines_dropped_when_few() -> None:
    article = [f"Paragraph {i} of the article, long enough to be one of its lines." for i in range(10)]
    box = "Related: another story you may like to read today"
    clutter = Clutter(containers=[Container(f"Related box {box} more links", "div[class=box-related]:related")])
    kept, removed = drop_clutter([*article, box], clutter)
    assert kept == article
    assert removed == {box: "container:div[class=box-related]:related"}


def test_clutter_container_holding_the_article_is_refused() -> None:
    article = [f"Paragraph {i} of the article, long enough to be one of its lines." for i in range(10)]
    clutter = Clutter(containers=[Container("tag-news sidebar wrapper " + " ".join(article[:6]))])
    assert drop_clutter(article, clutter) == (article, {})
    assert clutter.refused == 1


def test_short_clutter_line_must_be_the_whole_container() -> None:
    lines = [f"Paragraph {i} of the article, long enough to be one of its lines." for i in range(10)] + ["All", "Share"]
    clutter = Clutter(containers=[Container("All languages Fully supported"), Container("Share")])
    assert drop_clutter(lines, clutter)[0] == lines[:-1]
