"""clean_text on whole-page dumps of real pages in four scraper styles and five languages (a
sample of the dumps benchmarks/dumps.py makes from the devset; their README is the corpora's):
what it keeps scores better than the raw dump against the corpus gold, in every style."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cleaning import clean_text
from cleaning.metrics import shingle_f1
from tests.conftest import render

DUMPS = Path(__file__).parent / "fixtures" / "dumps"
STYLES = ["block", "markdown", "lynx", "soup"]
PAGES = sorted(p.stem for p in (DUMPS / "block").glob("*.txt"))


def snippet_f1(snippets: dict, text: str) -> float:
    """trafilatura's evaluation for one page: "with" snippets found, "without" snippets not found."""
    fold = lambda t: " ".join(t.split())  # noqa: E731
    out = fold(text)
    tp = sum(fold(s) in out for s in snippets["with"])
    fp = sum(fold(s) in out for s in snippets["without"])
    fn = len(snippets["with"]) - tp
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score(page: str, text: str) -> float:
    gold = DUMPS / "gold" / f"{page}.txt"
    if gold.exists():
        return shingle_f1(text, gold.read_text())
    return snippet_f1(json.loads((DUMPS / "gold" / f"{page}.snippets.json").read_text()), text)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("page", PAGES)
def test_cleaned_dump_scores_better_than_the_raw_dump(page, style):
    dump = (DUMPS / style / f"{page}.txt").read_text()
    doc = clean_text(dump)
    assert doc is not None
    body = doc.text  # the gold of both corpora is the body (the headline is not scored)
    assert score(page, body) > score(page, dump), (page, style)
    assert score(page, body) >= 0.65, (page, style, score(page, body))


@pytest.mark.parametrize("page", PAGES)
def test_the_four_styles_of_one_page_clean_alike(page):
    """Re-joining wrapped lines and pieces cut at links gives the same article whatever the style."""
    scores = [score(page, clean_text((DUMPS / style / f"{page}.txt").read_text()).text) for style in STYLES]
    assert max(scores) - min(scores) <= 0.2, scores


def test_the_cjk_page_is_cut_into_paragraphs_not_taken_whole():
    dump = (DUMPS / "block" / "zh_traf-xinhuanet.txt").read_text()
    doc = clean_text(dump)
    assert doc.language.startswith("zh")
    assert len(doc.text) < 0.8 * len(dump) and doc.n_words > 100
