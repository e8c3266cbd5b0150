"""Shared by the tests: the project root, the seeds, their gold texts and the devset; Vietnamese
in legacy encodings (windows-1258, VNI, TCVN3).

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


#: Vietnamese as the legacy font encodings (VNI, TCVN3) store it, read as Windows-1252 text: what
#: old sites and dumps still hold, and what the cleaner must flag (``legacy_encoding``), not store.
VNI = ("Vieät Nam laø moät quoác gia naèm ôû Ñoâng Nam AÙ, coù daân soá hôn moät traêm trieäu ngöôøi vaø ñang "
       "phaùt trieån nhanh choùng trong nhöõng naêm gaàn ñaây.")
TCVN3 = ("ViÖt Nam lµ mét quèc gia n»m ë §«ng Nam ¸, cã d©n sè h¬n mét tr¨m triÖu ng\xadêi vµ ®ang ph¸t triÓn "
         "nhanh chãng trong nh÷ng n¨m gÇn ®©y.")


def with_peak_memory(call):
    """(``call()``'s result, the peak of Python allocations while it ran, in bytes)."""
    import tracemalloc

    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
