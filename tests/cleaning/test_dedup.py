"""Exact and near-duplicate detection on real Vietnamese articles (the seeds, one topic)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from cleaning.dedup import Deduplicator
from cleaning.minhash import shingles
from cleaning.document import Document, Dropped, stable_id
from cleaning.normalize import content_hash, hash_key, normalize_text
from cleaning.dataset import DatasetWriter

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


_MASK64 = (1 << 64) - 1


def reference_signature(key: str, num_perm: int = 128, seed: int = 1) -> list[int]:
    """``SCHEME`` as its docstrings define it, in plain Python over ``shingles``."""
    from cleaning.minhash import LENGTH_MULTIPLIER, POLY_BASE

    def splitmix64(state: int) -> tuple[int, int]:
        state = (state + 0x9E3779B97F4A7C15) & _MASK64
        z = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return state, z ^ (z >> 31)

    def shingle_hash(data: bytes) -> int:
        h = (sum(byte * pow(POLY_BASE, j, 1 << 64) for j, byte in enumerate(data))
             + len(data) * LENGTH_MULTIPLIER) & _MASK64
        for multiplier in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, None):
            h ^= h >> 33
            h = h * multiplier & _MASK64 if multiplier else h
        return h >> 32

    state, params = seed, []
    for _ in range(2 * num_perm):
        state, out = splitmix64(state)
        params.append(out >> 32)
    hashes = [shingle_hash(s) for s in shingles(key, 5)]
    return [min(((a | 1) * h + b) & 0xFFFFFFFF for h in hashes) if hashes else 0xFFFFFFFF
            for a, b in zip(params[0::2], params[1::2])]


@pytest.mark.parametrize("text", [SIGNATURE_TEXTS[1], *SIGNATURE_TEXTS[4:], "một hai ba bốn năm", "một hai ba bốn năm sáu"])
def test_signature_values_follow_the_documented_scheme(text: str) -> None:
    from cleaning.minhash import signature_values
    from cleaning.normalize import hash_key

    key = hash_key(text)
    assert signature_values(key).tolist() == reference_signature(key)
    assert signature_values(key, num_perm=16, seed=7).tolist() == reference_signature(key, 16, 7)


def test_empty_and_short_texts() -> None:
    from cleaning.minhash import signature_values

    assert (signature_values("") == 0xFFFFFFFF).all()
    short = signature_values("ba từ thôi")
    assert (short != 0xFFFFFFFF).any() and (signature_values("ba từ thôi") == short).all()
    assert (signature_values("ba từ khác") != short).mean() > 0.9
    # Trailing NUL bytes change the hash (the byte length is part of it).
    assert (signature_values("x\x00") != signature_values("x")).mean() > 0.9


def test_signatures_are_the_same_in_another_process() -> None:
    """No salted ``hash()`` nor process state: another PYTHONHASHSEED gives the same bytes."""
    import json
    import os
    import subprocess
    import sys

    from cleaning.minhash import signature

    code = ("import json, sys; from cleaning.minhash import signature; "
            "print(json.dumps([signature(t)[4].hex() for t in json.load(sys.stdin)]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps(SIGNATURE_TEXTS), env=env,
                          capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert json.loads(done.stdout) == [signature(t)[4].hex() for t in SIGNATURE_TEXTS]


def every_nth_word_replaced(text: str, n: int) -> str:
    return " ".join("thay" if i % n == 0 else w for i, w in enumerate(text.split()))


PAIRS = {  # (a, b): texts whose true shingle Jaccard goes from 0 to ~0.95
    "republished": (seed_text(SEED_NAMES[1]), republished(seed_text(SEED_NAMES[1]))),
    "every 40th word": (seed_text(SEED_NAMES[0]), every_nth_word_replaced(seed_text(SEED_NAMES[0]), 40)),
    "every 15th word": (seed_text(SEED_NAMES[2]), every_nth_word_replaced(seed_text(SEED_NAMES[2]), 15)),
    "first half": (seed_text(SEED_NAMES[1]), seed_text(SEED_NAMES[1])[: len(seed_text(SEED_NAMES[1])) // 2]),
    "same topic": (seed_text(SEED_NAMES[0]), seed_text(SEED_NAMES[1])),
}


@pytest.mark.parametrize("name", PAIRS)
def test_equal_values_estimate_the_shingle_jaccard(name: str) -> None:
    from cleaning.minhash import signature_values
    from cleaning.normalize import hash_key

    a, b = (hash_key(t) for t in PAIRS[name])
    first, second = set(shingles(a, 5)), set(shingles(b, 5))
    jaccard = len(first & second) / len(first | second)
    estimate = float((signature_values(a) == signature_values(b)).mean())
    assert abs(estimate - jaccard) < 0.1, (jaccard, estimate)


@pytest.mark.parametrize("text", SIGNATURE_TEXTS)
def test_precomputed_and_locally_computed_signatures_are_equal(text: str) -> None:
    from cleaning.minhash import SCHEME, signature, signature_values
    from cleaning.normalize import hash_key

    precomputed = signature(text)
    assert precomputed[:4] == (SCHEME, 128, 1, 5)
    values = np.frombuffer(precomputed[4], dtype="<u4")
    assert (values == signature_values(hash_key(text))).all()
    assert (Deduplicator().minhash(hash_key(text)) == values).all()


def with_signature(document: Document) -> Document:
    from cleaning.minhash import signature

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
    from cleaning.minhash import signature

    text = seed_text(SEED_NAMES[1])
    dedup = Deduplicator(num_perm=64)
    dedup(doc("a", text))
    copy = doc("b", republished(text))
    copy.signature = signature(seed_text(SEED_NAMES[2]))  # 128 values, another text: must not be used
    assert dedup(copy).duplicate_of == stable_id("a")


def test_a_signature_of_another_scheme_is_ignored() -> None:
    from cleaning.minhash import signature

    text = seed_text(SEED_NAMES[1])
    dedup = Deduplicator()
    dedup(doc("a", text))
    copy = doc("b", republished(text))
    copy.signature = ("affine32", *signature(seed_text(SEED_NAMES[2]))[1:])  # e.g. from an older version
    assert dedup(copy).duplicate_of == stable_id("a")


def test_signature_is_not_a_parquet_column() -> None:
    document = with_signature(doc("a", "Tin ngắn."))
    assert "signature" not in document.to_row() and "flags" not in document.to_row()
    assert document == doc("a", "Tin ngắn.")


def test_importing_minhash_for_signatures_loads_neither_datasketch_nor_pyarrow() -> None:
    import subprocess
    import sys

    code = ("import sys, cleaning.minhash; "
            "print(any(m in sys.modules for m in ('datasketch', 'scipy', 'pyarrow', 'cleaning.html')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_a_deduplicator_loads_neither_datasketch_nor_scipy() -> None:
    import subprocess
    import sys

    code = ("import sys, cleaning.dedup; d = cleaning.dedup.Deduplicator(); "
            "print(any(m in sys.modules for m in ('datasketch', 'scipy')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


# --- the LSH index ---------------------------------------------------------------------------------

#: (threshold, num_perm) -> (bands, rows) as datasketch 2.0.0's MinHashLSH chose them
#: (``datasketch.lsh._optimal_param(threshold, num_perm, 0.5, 0.5)``, scipy's quad).
DATASKETCH_PARAMS = {
    (0.8, 128): (9, 13), (0.5, 128): (25, 5), (0.9, 128): (5, 25),
    (0.8, 64): (5, 11), (0.5, 64): (14, 4), (0.9, 64): (3, 21),
}


@pytest.mark.parametrize("threshold, num_perm", DATASKETCH_PARAMS)
def test_lsh_params_are_datasketchs(threshold: float, num_perm: int) -> None:
    from cleaning.lsh import lsh_params

    assert lsh_params(threshold, num_perm) == DATASKETCH_PARAMS[threshold, num_perm]
    dedup = Deduplicator(threshold=threshold, num_perm=num_perm)
    assert (dedup._lsh.bands, dedup._lsh.rows) == DATASKETCH_PARAMS[threshold, num_perm]


def test_invalid_parameters_are_refused() -> None:
    for options in ({"threshold": 1.5}, {"threshold": -0.1}, {"num_perm": 1}):
        with pytest.raises(ValueError):
            Deduplicator(**options)


def signature_bytes(values: list[int]) -> bytes:
    return np.array(values, dtype="<u4").tobytes()


def test_lsh_index_finds_signatures_sharing_a_band() -> None:
    from cleaning.lsh import LSHIndex

    index = LSHIndex(3, 2)  # bands: values [0, 2), [2, 4), [4, 6); value 6 in no band
    a = signature_bytes([1, 2, 3, 4, 5, 6, 7])
    index.insert("a", a)
    assert index.query(a) == ["a"]
    assert index.query(signature_bytes([9, 9, 9, 9, 5, 6, 9])) == ["a"]  # third band equal
    assert index.query(signature_bytes([1, 9, 3, 9, 9, 5, 7])) == []  # equal values, no whole band
    b, c = signature_bytes([1, 2, 0, 0, 0, 0, 0]), signature_bytes([0, 0, 3, 4, 0, 0, 0])
    index.insert("b", b)
    index.insert("c", c)
    assert index.query(a) == ["a", "b", "c"]  # band by band, each id once, in insertion order
    index.remove("a", a)
    assert index.query(a) == ["b", "c"]
    index.insert("a", a)
    assert index.query(a) == ["b", "a", "c"]
    for key, sig in (("b", b), ("a", a), ("c", c)):
        index.remove(key, sig)
    index.remove("c", c)  # absent: ignored
    assert index.query(a) == [] and all(not table for table in index._tables)


def test_an_updated_article_is_indexed_under_its_new_signature_only() -> None:
    first, second = seed_text(SEED_NAMES[1]), seed_text(SEED_NAMES[2])
    dedup = Deduplicator()
    dedup(doc("same-url", first))
    dedup(doc("same-url", second))  # the same id, another text: replaces the entry
    assert dedup(doc("b", republished(first))).duplicate_of is None
    assert dedup(doc("c", republished(second))).duplicate_of == stable_id("same-url")
    assert len(dedup._signatures) == 2  # "same-url" and "b"


@pytest.mark.parametrize("order", [("far", "near"), ("near", "far")])
def test_the_most_similar_candidate_is_named(order: tuple[str, str]) -> None:
    base = seed_text(SEED_NAMES[1])
    versions = {"far": every_nth_word_replaced(base, 200), "near": every_nth_word_replaced(base, 1000)}
    dedup = Deduplicator()
    dedup.threshold = 0.97  # both indexed (far and near: 0.945 of their values are equal)
    for name in order:
        assert dedup(doc(name, versions[name])).duplicate_of is None
    dedup.threshold = 0.8
    copy = dedup._signature(hash_key(base))
    assert set(dedup._lsh.query(copy)) == {stable_id("far"), stable_id("near")}  # both candidates
    assert dedup(doc("copy", base)).duplicate_of == stable_id("near")


def test_memory_per_indexed_article() -> None:
    """About 1.6 KB (see the module docstring): the signature, 9 band keys and 10 dict entries."""
    import tracemalloc

    rng = np.random.default_rng(1)
    count = 2000
    ids = [stable_id(str(i)) for i in range(count)]
    values = [rng.integers(0, 2**32, 128, dtype=np.uint32) for _ in range(count)]
    dedup = Deduplicator()
    tracemalloc.start()
    try:
        for doc_id, sig in zip(ids, values):
            dedup._index(doc_id, sig.astype("<u4").tobytes())
        used = tracemalloc.get_traced_memory()[0] / count
    finally:
        tracemalloc.stop()
    assert used < 1800, used


def test_html_pool_workers_send_the_signature_back() -> None:
    from cleaning.minhash import signature
    from cleaning.limits import HtmlPool
    from tests.cleaning.pages import page

    html = page().encode("utf-8")
    with HtmlPool(workers=1, timeout=30, signatures=True) as pool:
        result = pool.process(html, url="https://a.vn/x-12345.html")
    assert isinstance(result, Document) and result.signature == signature(result.text)
    with HtmlPool(workers=1, timeout=30) as pool:
        assert pool.process(html, url="https://a.vn/x-12345.html").signature is None
