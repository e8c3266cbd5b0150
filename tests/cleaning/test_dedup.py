"""Exact and near-duplicate detection on real Vietnamese articles (the seeds, one topic)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cleaning.dedup import Deduplicator, shingles
from cleaning.document import Document, Dropped, stable_id
from cleaning.normalize import content_hash, normalize_text
from cleaning.parquet import DatasetWriter

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
# Three articles on one story (the first Putin-Biden call, New START): related, not copies.
SEED_NAMES = ("000_b148047d9d35f8f2", "001_dd910f78ebade2e5", "003_77c53a837fafe3c1")


def seed_text(name: str) -> str:
    return normalize_text((SEEDS / f"{name}.txt").read_text(encoding="utf-8"))


def doc(key: str, text: str, fetched_at: datetime | None = None) -> Document:
    return Document(id=stable_id(key), source=key, text=text, content_hash=content_hash(text), fetched_at=fetched_at)


def republished(text: str) -> str:
    """The same body under another byline and footer: first and last lines replaced."""
    lines = text.splitlines()
    return "\n".join(["Minh Anh (theo TTXVN)", *lines[1:-1], "Nguồn: Báo Thế giới và Việt Nam, bản tin tổng hợp"])


def test_tone_mark_variants_are_exact_duplicates() -> None:
    dedup = Deduplicator()
    first = doc("a", "Hội nghị hoà bình ở Hà Nội diễn ra tốt đẹp, các bên đều thấy khoẻ khoắn.")
    copy = doc("b", "Hội nghị  hòa bình ở Hà Nội diễn ra tốt đẹp,\u00a0các bên đều thấy khỏe khoắn.")
    assert dedup(first) is first
    result = dedup(copy)
    assert result == Dropped("duplicate_exact", f"same text as {first.id}")
    assert dedup.counts == {"unique": 1, "duplicate_exact": 1}


@pytest.mark.parametrize("name", SEED_NAMES[1:])
def test_republished_article_with_another_byline_and_footer_is_a_near_duplicate(name: str) -> None:
    dedup = Deduplicator()
    original = doc(f"https://baoquocte.vn/{name}", seed_text(name))
    copy = doc(f"https://other.vn/{name}", republished(seed_text(name)))
    assert dedup(original).duplicate_of is None
    marked = dedup(copy)
    assert isinstance(marked, Document) and marked.duplicate_of == original.id
    assert dedup.counts == {"unique": 1, "duplicate_near": 1}


@pytest.mark.parametrize("name", SEED_NAMES)
def test_same_body_with_new_byline_and_footer_lines_is_found_and_can_be_dropped(name: str) -> None:
    body = seed_text(name)
    dedup = Deduplicator(drop_near=True)
    dedup(doc("a", "Thế Việt\n" + body + "\nTheo Baoquocte.vn"))
    result = dedup(doc("b", "PV tổng hợp\n" + body + "\nNguồn: TASS, Reuters"))
    assert isinstance(result, Dropped) and result.reason == "duplicate_near"


def test_articles_on_the_same_topic_are_not_duplicates() -> None:
    dedup = Deduplicator()
    results = [dedup(doc(name, seed_text(name))) for name in SEED_NAMES]
    assert all(isinstance(r, Document) and r.duplicate_of is None for r in results)
    assert dedup.counts == {"unique": 3}


def test_refetched_article_is_not_a_duplicate_of_itself() -> None:
    dedup = Deduplicator()
    text = seed_text(SEED_NAMES[2])
    dedup(doc("same-url", text))
    assert dedup(doc("same-url", text)).duplicate_of is None
    assert dedup(doc("same-url", text + "\nCập nhật lúc 10 giờ.")).duplicate_of is None


def test_short_texts_are_one_shingle() -> None:
    assert shingles("ba từ thôi", 5) == ["ba từ thôi".encode()]
    assert shingles("", 5) == []
    dedup = Deduplicator()
    assert dedup(doc("a", "Tin ngắn.")).duplicate_of is None
    assert dedup(doc("b", "Tin ngắn khác.")).duplicate_of is None


def test_seeded_from_an_existing_dataset(tmp_path: Path) -> None:
    out = tmp_path / "out"
    now = datetime.now(timezone.utc)
    old, recent, files = (seed_text(name) for name in SEED_NAMES)
    with DatasetWriter(out) as writer:
        writer.write(doc("old", old, fetched_at=now - timedelta(days=30)))
        writer.write(doc("recent", recent, fetched_at=now - timedelta(hours=3)))
        writer.write(doc("file", files))
    (out / ".part-x-00009.parquet.tmp").write_bytes(b"torn")  # a killed writer's leftover
    dedup = Deduplicator.from_dataset(out)
    # Exact hashes from the whole dataset, whatever the age.
    assert dedup(doc("old-copy", old)).reason == "duplicate_exact"
    # Near duplicates within the window, and of rows that came from files.
    assert dedup(doc("recent-copy", republished(recent))).duplicate_of == stable_id("recent")
    assert dedup(doc("file-copy", republished(files))).duplicate_of == stable_id("file")
    # Outside the 7-day window: not indexed, so not found (bounded by design).
    assert dedup(doc("old-near", "Theo TTXVN\n" + old + "\nNguồn: TASS")).duplicate_of is None
    everything = Deduplicator.from_dataset(out, window_days=None)
    assert everything(doc("old-near", "Theo TTXVN\n" + old + "\nNguồn: TASS")).duplicate_of == stable_id("old")


def test_seeded_from_nothing(tmp_path: Path) -> None:
    assert Deduplicator.from_dataset(tmp_path / "missing").counts == {}
    (tmp_path / "empty").mkdir()
    assert Deduplicator.from_parquet(tmp_path / "empty")(doc("a", "Một bài.")).duplicate_of is None


# --- signatures computed elsewhere (the cleaning workers) -----------------------------------------

SIGNATURE_TEXTS = [seed_text(name) for name in SEED_NAMES] + [
    republished(seed_text(SEED_NAMES[1])), "Tin ngắn.", "ba từ thôi", "", "Hội nghị hoà bình ở Hà Nội."]


@pytest.mark.parametrize("text", SIGNATURE_TEXTS)
def test_signature_values_are_datasketchs_minhash(text: str) -> None:
    from datasketch import MinHash

    from cleaning.dedup import SCHEME, signature_values
    from cleaning.normalize import hash_key

    expected = MinHash(num_perm=128, seed=1, scheme=SCHEME)
    expected.update_batch(shingles(hash_key(text), 5))
    assert (signature_values(hash_key(text)) == expected.hashvalues).all()
    assert (Deduplicator().minhash(hash_key(text)).hashvalues == expected.hashvalues).all()


def with_signature(document: Document) -> Document:
    from cleaning.dedup import signature

    document.signature = signature(document.text)
    return document


@pytest.mark.parametrize("precomputed", ["none", "all", "mixed"])
def test_precomputed_signatures_give_the_same_results(precomputed: str) -> None:
    names = SEED_NAMES[1:]  # the ones whose republished copy is a near duplicate (see above)
    docs = [doc(f"https://a.vn/{n}", seed_text(n)) for n in names]
    docs += [doc(f"https://b.vn/{n}", republished(seed_text(n))) for n in names]
    docs += [doc("https://c.vn/copy", seed_text(names[0])), doc("https://d.vn/short", "Tin ngắn.")]
    if precomputed == "all":
        docs = [with_signature(d) for d in docs]
    elif precomputed == "mixed":
        docs = [with_signature(d) if i % 2 else d for i, d in enumerate(docs)]
    dedup = Deduplicator()
    outcome = [r.reason if isinstance(r, Dropped) else r.duplicate_of for r in map(dedup, docs)]
    first = [stable_id(f"https://a.vn/{n}") for n in names]
    assert outcome == [None, None, *first, "duplicate_exact", None]
    assert dedup.counts == {"unique": 3, "duplicate_near": 2, "duplicate_exact": 1}


def test_a_signature_of_other_parameters_is_ignored() -> None:
    from cleaning.dedup import signature

    text = seed_text(SEED_NAMES[1])
    dedup = Deduplicator(num_perm=64)
    dedup(doc("a", text))
    copy = doc("b", republished(text))
    copy.signature = signature(seed_text(SEED_NAMES[2]))  # 128 values, another text: must not be used
    assert dedup(copy).duplicate_of == stable_id("a")


def test_signature_is_not_a_parquet_column() -> None:
    document = with_signature(doc("a", "Tin ngắn."))
    assert "signature" not in document.to_row() and "flags" not in document.to_row()
    assert document == doc("a", "Tin ngắn.")


def test_importing_dedup_for_signatures_loads_neither_datasketch_nor_pyarrow() -> None:
    import subprocess
    import sys

    code = ("import sys, cleaning.dedup; "
            "print(any(m in sys.modules for m in ('datasketch', 'scipy', 'pyarrow', 'cleaning.html')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_html_pool_workers_send_the_signature_back() -> None:
    from cleaning.dedup import signature
    from cleaning.limits import HtmlPool
    from tests.cleaning.test_html import page

    html = page().encode("utf-8")
    with HtmlPool(workers=1, timeout=30, signatures=True) as pool:
        result = pool.process(html, url="https://a.vn/x-12345.html")
    assert isinstance(result, Document) and result.signature == signature(result.text)
    with HtmlPool(workers=1, timeout=30) as pool:
        assert pool.process(html, url="https://a.vn/x-12345.html").signature is None
