"""Exact and near-duplicate detection: a stage ``Document -> Document | Dropped``.

Exact duplicates share a ``content_hash`` (the text after NFC, one tone-mark convention,
folded whitespace and case: "hoà" and "hòa" are the same text). They are dropped with reason
``duplicate_exact``.

Near duplicates are found with MinHash LSH (``cleaning.minhash`` signatures, ``cleaning.lsh.LSHIndex``) over shingles of 5
consecutive words of ``hash_key(text)``: at a Jaccard similarity of about 0.8 or more, e.g. the
same agency story re-published with another byline, a different lead-in line or footer. The LSH
candidates are confirmed against the stored signatures (LSH alone has false positives): the
fraction of equal values must be at least ``threshold``. A near duplicate is kept with
``duplicate_of`` = the id of the first article seen (only first articles are indexed, so
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
that never reached a file), and costs about 0.35 ms per article to rebuild. Memory: about 1.6 KB
per indexed article with the defaults (its 512-byte signature, 9 band keys of 52 bytes, one entry
in each of the 10 dicts; with datasketch ~3.8 KB), ~100 bytes per exact hash.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from cleaning.dataset import Dataset
from cleaning.document import Document, Dropped
from cleaning.lsh import LSHIndex, lsh_params, to_bytes
from cleaning.minhash import DEFAULT_NUM_PERM, DEFAULT_SEED, DEFAULT_SHINGLE_WORDS, SCHEME, signature_values
from cleaning.normalize import hash_key

# pyarrow is imported where it is used: a crawl process imports this module before it writes.

log = logging.getLogger(__name__)


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
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("threshold must be in [0.0, 1.0]")
        if num_perm < 2:
            raise ValueError("Too few permutation functions")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle_words = shingle_words
        self.drop_near = drop_near
        self.seed = seed
        self.counts: Counter[str] = Counter()
        self._lsh = LSHIndex(*lsh_params(threshold, num_perm))
        self._first_by_hash: dict[str, str] = {}
        self._signatures: dict[str, bytes] = {}  # id -> signature bytes (little-endian uint32)
        self._signature_key = (SCHEME, num_perm, seed, shingle_words)

    def __call__(self, doc: Document) -> Document | Dropped:
        key = None if doc.content_hash else hash_key(doc.text)
        digest = doc.content_hash or hashlib.sha256(key.encode("utf-8")).hexdigest()
        first = self._first_by_hash.setdefault(digest, doc.id)
        if first != doc.id:
            self.counts["duplicate_exact"] += 1
            return Dropped("duplicate_exact", f"same text as {first}")
        sig = self._precomputed(doc)
        if sig is None:
            sig = self._signature(key if key is not None else hash_key(doc.text))
        original = self._nearest(doc.id, sig)
        if original is None:
            self._index(doc.id, sig)
            self.counts["unique"] += 1
            return doc
        self.counts["duplicate_near"] += 1
        if self.drop_near:
            return Dropped("duplicate_near", f"near duplicate of {original}")
        doc.duplicate_of = original
        return doc

    def _precomputed(self, doc: Document) -> bytes | None:
        """The bytes of ``doc.signature`` when it was computed with this detector's parameters."""
        sig = getattr(doc, "signature", None)
        if not sig or tuple(sig[:4]) != self._signature_key or len(sig[4]) != 4 * self.num_perm:
            return None
        return bytes(sig[4])  # no copy of a bytes object

    def minhash(self, key: str) -> np.ndarray:
        """The MinHash values (uint32) of a folded text (``hash_key``): ``signature_values`` with
        these parameters."""
        return signature_values(key, num_perm=self.num_perm, seed=self.seed, shingle_words=self.shingle_words)

    def _signature(self, key: str) -> bytes:
        return to_bytes(self.minhash(key))

    def _nearest(self, doc_id: str, sig: bytes) -> str | None:
        """The indexed article most similar to ``sig``, if at least ``threshold``; ties: the first
        candidate (``LSHIndex.query``'s order)."""
        candidates = self._lsh.query(sig)
        if not candidates:
            return None
        values = np.frombuffer(sig, dtype="<u4")
        best, best_score = None, self.threshold
        for candidate in candidates:
            if candidate == doc_id:
                continue
            equal = np.count_nonzero(np.frombuffer(self._signatures[candidate], dtype="<u4") == values)
            score = equal / self.num_perm
            if score > best_score or (score == best_score and best is None):
                best, best_score = candidate, score
        return best

    def _index(self, doc_id: str, sig: bytes) -> None:
        previous = self._signatures.get(doc_id)
        if previous is not None:  # the same article again (an update): replace its entry
            self._lsh.remove(doc_id, previous)
        self._lsh.insert(doc_id, sig)
        self._signatures[doc_id] = sig

    def add_existing(self, doc_id: str, digest: str, text: str | None = None, duplicate_of: str | None = None) -> None:
        """Remember a row already in the dataset: its hash, and its signature when ``text`` is given."""
        self._first_by_hash.setdefault(digest, doc_id)
        if text is not None and duplicate_of is None:
            self._index(doc_id, self._signature(hash_key(text)))

    @classmethod
    def from_dataset(cls, out: str | Path, *, window_days: float | None = 7, **options) -> Deduplicator:
        """A detector seeded from the rows in the Parquet dataset ``out`` (folder or file).

        All exact hashes are loaded; signatures only for rows fetched within ``window_days``
        (rows without ``fetched_at``, i.e. from files, count as recent; None: all rows).
        """
        import pyarrow as pa
        import pyarrow.dataset as ds

        from cleaning.parquet import UTC_TIMESTAMP

        dedup = cls(**options)
        files = Dataset(out).files()  # never a writer's temporary nor a quarantined file
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
                dedup._index(doc_id, dedup._signature(hash_key(text)))
                signatures += 1
        log.info("dedup seeded from %s: %d hashes, %d signatures", out, hashes, signatures)
        return dedup

    from_parquet = from_dataset
