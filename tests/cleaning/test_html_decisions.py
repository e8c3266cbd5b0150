"""process_html records what became of every extracted line (Document.decisions): the rules
``newsclean explain`` prints are the ones the cleaner used."""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cleaning.document import Document
from cleaning.html import process_html

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted((FIXTURES / "pages").glob("*.html")) + sorted((FIXTURES / "families").glob("*.html.gz"))
RULE_FAMILIES = ("container:", "lexicon:", "structure:")


def clean(path: Path) -> Document:
    data = path.read_bytes()
    doc = process_html(gzip.decompress(data) if path.suffix == ".gz" else data, "https://example.com/a")
    assert isinstance(doc, Document)
    return doc


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_kept_lines_are_the_text_and_every_removed_line_names_its_rule(path: Path) -> None:
    doc = clean(path)
    assert [d.line for d in doc.decisions if d.kept] == doc.text.split("\n")
    assert all(d.rule.startswith(RULE_FAMILIES) for d in doc.decisions if not d.kept)


def test_a_clutter_container_names_the_lexicon_entry_that_marked_it() -> None:
    rules = [d.rule for path in PAGES for d in clean(path).decisions if d.rule]
    containers = [rule for rule in rules if rule.startswith("container:")]
    assert containers, "no fixture page lost a line to a marked container"
    assert all(rule.count(":") >= 2 and rule.split(":")[-1] for rule in containers), containers


def test_the_articlebody_replacement_is_recorded() -> None:
    doc = clean(FIXTURES / "families" / "structured_article_body.html.gz")
    assert "structured_body" in doc.flags
    assert any(d.rule == "structure:article_body" for d in doc.decisions)
    assert [d.line for d in doc.decisions if d.kept] == doc.text.split("\n")
