"""Exact and near-duplicate detection: a stage ``Document -> Document | Dropped``.

Exact duplicates share a ``content_hash`` (the text after NFC, one tone-mark convention,
folded whitespace and case: "hoà" and "hòa" are the same text). They are dropped with reason
``duplicate_exact``.

Near duplicates are found with MinHash LSH (datasketch) over shingles of 5 consecutive words of
``hash_key(text)``: at a Jaccard similarity of about 0.8 or more, e.g. the same agency story
re-published with another byline, a different lead-in line or footer. The LSH candidates are
confirmed against the stored signatures (LSH alone has false positives). A near duplicate is kept
with ``duplicate_of`` = the id of the first article seen (only first articles are indexed, so
``duplicate_of`` always names a row that is not itself marked), or dropped with reason
``duplicate_near`` when ``drop_near=True``.

A document with the same id as an earlier one is the same article fetched again (an update),
never a duplicate of itself; whether it is written again is the crawl ledger's business.

Across runs: ``Deduplicator.from_dataset(out)`` seeds the detector from the rows already
written. Exact hashes are cheap (two short columns) and always loaded for the whole dataset;
signatures are recomputed from ``text`` only for rows fetched in the last ``window_days`` (7 by
default), since a copy is almost always published within days of its original. This keeps the
cost and memory bounded by the recent volume, needs no second store that could drift from the
dataset after a crash (a signature store written before a killed commit would point at rows
that never reached a file), and costs about 1 ms per article to rebuild. Memory: about 1.5 KB
per indexed article (a 128 x uint32 signature plus the LSH bands), ~100 bytes per exact hash.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from cleaning.document import Document, Dropped
from cleaning.normalize import hash_key

# datasketch (whose LSH imports scipy) and pyarrow are imported where they are used: the
# cleaning workers import this module for ``signature`` only, which needs numpy alone.

log = logging.getLogger(__name__)

SCHEME = "affine32"  # datasketch 2.0 default, named so signatures stay comparable across versions
DEFAULT_NUM_PERM, DEFAULT_SEED, DEFAULT_SHINGLE_WORDS = 128, 1, 5
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
_PERMUTATIONS: dict[tuple[int, int], np.ndarray] = {}


def shingles(key: str, size: int) -> list[bytes]:
    """Runs of ``size`` consecutive words of an already folded text; a short text is one shingle."""
    words = key.split()
    if len(words) <= size:
        return [" ".join(words).encode("utf-8")] if words else []
    return [" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)]


def permutations(num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED) -> np.ndarray:
    """datasketch 2.0's ``affine32`` permutation parameters (2 x num_perm uint32: odd a, b) for ``seed``."""
    key = (num_perm, seed)
    if key not in _PERMUTATIONS:
        gen = np.random.RandomState(seed)
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        _PERMUTATIONS[key] = np.array([a, b])
    return _PERMUTATIONS[key]


def signature_values(key: str, *, num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED,
                     shingle_words: int = DEFAULT_SHINGLE_WORDS) -> np.ndarray:
    """The MinHash hash values of a folded text (``hash_key``), bit for bit those of
    ``datasketch.MinHash(num_perm, seed, scheme="affine32").update_batch(shingles(key))``
    (SHA-1 -> 32 bits, MurmurHash3 finalizer, a*h+b mod 2^32, min), without importing datasketch."""
    a, b = permutations(num_perm, seed)
    values = np.full(num_perm, np.uint32(0xFFFFFFFF), dtype=np.uint32)
    parts = shingles(key, shingle_words)
    if not parts:
        return values
    digests = b"".join(hashlib.sha1(part).digest()[:4] for part in parts)
    hv = np.frombuffer(digests, dtype="<u4").astype(np.uint32).reshape(-1, 1)
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    hv = hv ^ (hv >> s3)
    return np.minimum(values, (hv * a + b).min(axis=0))


def signature(text: str, *, num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED,
              shingle_words: int = DEFAULT_SHINGLE_WORDS) -> tuple:
    """A precomputed signature for ``Document.signature``: ``(scheme, num_perm, seed,
    shingle_words, hash values as little-endian uint32 bytes)``. The cleaning workers compute
    it next to process_html, so the crawl process only queries the LSH index; a
    ``Deduplicator`` with other parameters ignores it and computes its own."""
    values = signature_values(hash_key(text), num_perm=num_perm, seed=seed, shingle_words=shingle_words)
    return (SCHEME, num_perm, seed, shingle_words, values.astype("<u4").tobytes())


class Deduplicator:
    """Drops exact duplicates and marks (or drops) near duplicates; see the module docstring.

    ``counts`` holds ``unique``, ``duplicate_exact`` and ``duplicate_near``.
    """

    def __init__(
        self,
        *,
        threshold: float = 0.8,
        num_perm: int = DEFAULT_NUM_PERM,
        shingle_words: int = DEFAULT_SHINGLE_WORDS,
        drop_near: bool = False,
        seed: int = DEFAULT_SEED,
    ) -> None:
        from datasketch import MinHash, MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        self.drop_near = drop_near
        self.seed = seed
        self.counts: Counter[str] = Counter()
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._permutations = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations  # shared
        self._first_by_hash: dict[str, str] = {}
        self._signatures: dict[str, np.ndarray] = {}
        self._signature_key = (SCHEME, num_perm, seed, shingle_words)
        self._MinHash = MinHash

    def __call__(self, doc: Document) -> Document | Dropped:
        key = None if doc.content_hash else hash_key(doc.text)
        digest = doc.content_hash or hashlib.sha256(key.encode("utf-8")).hexdigest()
        first = self._first_by_hash.setdefault(digest, doc.id)
        if first != doc.id:
            self.counts["duplicate_exact"] += 1
            return Dropped("duplicate_exact", f"same text as {first}")
        minhash = self._precomputed(doc)
        if minhash is None:
            minhash = self.minhash(key if key is not None else hash_key(doc.text))
        original = self._nearest(doc.id, minhash)
        if original is None:
            self._index(doc.id, minhash)
            self.counts["unique"] += 1
            return doc
        self.counts["duplicate_near"] += 1
        if self.drop_near:
            return Dropped("duplicate_near", f"near duplicate of {original}")
        doc.duplicate_of = original
        return doc

    def _precomputed(self, doc: Document):
        """The MinHash of ``doc.signature`` when it was computed with this detector's parameters."""
        sig = getattr(doc, "signature", None)
        if not sig or tuple(sig[:4]) != self._signature_key or len(sig[4]) != 4 * self.num_perm:
            return None
        values = np.frombuffer(sig[4], dtype="<u4").astype(np.uint32)
        return self._MinHash(num_perm=self.num_perm, seed=self.seed, permutations=self._permutations,
                             hashvalues=values, scheme=SCHEME)

    def minhash(self, key: str):
        """The MinHash of a folded text (``hash_key``)."""
        minhash = self._MinHash(
            num_perm=self.num_perm, seed=self.seed, permutations=self._permutations, scheme=SCHEME
        )
        minhash.update_batch(shingles(key, self.shingle_words))
        return minhash

    def _nearest(self, doc_id: str, minhash) -> str | None:
        """The indexed article most similar to ``minhash``, if at least ``threshold``; ties: the first."""
        best, best_score = None, self.threshold
        for candidate in self._lsh.query(minhash):
            if candidate == doc_id:
                continue
            score = float(np.mean(self._signatures[candidate] == minhash.hashvalues))
            if score > best_score or (score == best_score and best is None):
                best, best_score = candidate, score
        return best

    def _index(self, doc_id: str, minhash) -> None:
        if doc_id in self._signatures:  # the same article again (an update): replace its entry
            self._lsh.remove(doc_id)
        self._lsh.insert(doc_id, minhash)
        self._signatures[doc_id] = minhash.hashvalues.copy()

    def add_existing(self, doc_id: str, digest: str, text: str | None = None, duplicate_of: str | None = None) -> None:
        """Remember a row already in the dataset: its hash, and its signature when ``text`` is given."""
        self._first_by_hash.setdefault(digest, doc_id)
        if text is not None and duplicate_of is None:
            self._index(doc_id, self.minhash(hash_key(text)))

    @classmethod
    def from_dataset(cls, out: str | Path, *, window_days: float | None = 7, **options) -> "Deduplicator":
        """A detector seeded from the rows in the Parquet dataset ``out`` (folder or file).

        All exact hashes are loaded; signatures only for rows fetched within ``window_days``
        (rows without ``fetched_at``, i.e. from files, count as recent; None: all rows).
        """
        import pyarrow as pa
        import pyarrow.dataset as ds

        from cleaning.parquet import UTC_TIMESTAMP

        dedup = cls(**options)
        path = Path(out)
        # Listed by hand: a writer's *.parquet.tmp must not be read, nor _quarantine/.
        files = sorted(path.glob("*.parquet")) if path.is_dir() else [path] if path.exists() else []
        if not files:
            return dedup
        dataset = ds.dataset([str(f) for f in files], format="parquet")
        hashes = signatures = 0
        for batch in dataset.to_batches(columns=["id", "content_hash"]):
            for doc_id, digest in zip(batch["id"].to_pylist(), batch["content_hash"].to_pylist()):
                dedup.add_existing(doc_id, digest)
                hashes += 1
        recent = ds.field("duplicate_of").is_null()
        if window_days is not None:
            cutoff = datetime.now(timezone.utc) - timedelta(days=window_days)
            recent &= ds.field("fetched_at").is_null() | (ds.field("fetched_at") >= pa.scalar(cutoff, UTC_TIMESTAMP))
        for batch in dataset.to_batches(columns=["id", "text"], filter=recent):
            for doc_id, text in zip(batch["id"].to_pylist(), batch["text"].to_pylist()):
                dedup._index(doc_id, dedup.minhash(hash_key(text)))
                signatures += 1
        log.info("dedup seeded from %s: %d hashes, %d signatures", path, hashes, signatures)
        return dedup

    from_parquet = from_dataset
