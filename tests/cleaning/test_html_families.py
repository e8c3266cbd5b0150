"""clean_html on real pages of each failure family found on the development corpora (issue 11):
the article is found whatever the class names around it say, and the line pass keeps the
lines its rules do not name. See fixtures/families/README.md."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cleaning import clean_html

FAMILIES = Path(__file__).parent / "fixtures" / "families"
EXPECTATIONS = json.loads((FAMILIES / "expectations.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    found = {}
    for name, case in EXPECTATIONS.items():
        doc = clean_html(gzip.decompress((FAMILIES / f"{name}.html.gz").read_bytes()), case["url"])
        found[name] = doc.text if doc else ""
    return found


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_gold_snippets_found(name: str, texts: dict[str, str]) -> None:
    missing = [s for s in EXPECTATIONS[name]["with"] if s not in texts[name]]
    assert not missing, f"{name} ({EXPECTATIONS[name]['why']}): missing {missing}"


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_clutter_snippets_absent(name: str, texts: dict[str, str]) -> None:
    present = [s for s in EXPECTATIONS[name]["without"] if s in texts[name]]
    assert not present, f"{name} ({EXPECTATIONS[name]['why']}): kept {present}"


def test_repeated_content_lines_stay() -> None:
    case = EXPECTATIONS["repeated_list_items"]
    text = clean_html(gzip.decompress((FAMILIES / "repeated_list_items.html.gz").read_bytes()), case["url"]).text
    for line in case["repeated"]:
        assert text.splitlines().count(line) >= 2, line
