"""Paths shared by the tests: the project root, the seeds, their gold texts and the devset.

The devset (five real Vietnamese news pages with gold text) and the seeds' gold texts are copies
of the team's shared material, shipped under tests/fixtures so that any clone runs the tests."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SEEDS = ROOT / "seeds"
SEEDS_GOLD = FIXTURES / "seeds-gold"
DEVSET = FIXTURES / "devset" / "vi"


def render(doc) -> str:
    """Title + "\\n" + text: what the gold files hold."""
    return f"{doc.title}\n{doc.text}" if doc.title else doc.text


@pytest.fixture(scope="session")
def devset_pages() -> list[tuple[str, bytes, str]]:
    """(name, page bytes, gold text) for every devset page."""
    pages = sorted((DEVSET / "pages").glob("*.html"))
    assert pages, f"devset missing under {DEVSET}"
    return [(p.stem, p.read_bytes(), (DEVSET / "gold" / f"{p.stem}.txt").read_text()) for p in pages]


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Vietnamese as windows-1258 stores it: base letters precomposed, tone marks as combining characters."""
    import unicodedata

    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
        out.append(base + tones)
    return "".join(out).encode("cp1258")
