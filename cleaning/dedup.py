"""Exact and near-duplicate detection: a stage ``Document -> Document | Dropped``.

Exact duplicates share a ``content_hash`` (the text after NFC, one tone-mark convention,
folded whitespace and case: "hoà" and "hòa" are the same text). They are dropped with reason
``duplicate_exact``.

Near duplicates are found with MinHash LSH (this module's ``LSHIndex``) over shingles of 5
consecutive words of ``hash_key(text)``: at a Jaccard similarity of about 0.8 or more, e.g. the
same agency story re-published with another byline, a different lead-in line or footer. The LSH
candidates are confirmed against the stored signatures (LSH alone has false positives): the
fraction of equal values must be at least ``threshold``. A near duplicate is kept with
``duplicate_of`` = the id of the first article seen (only first articles are indexed, so
``duplicate_of`` always names a row that is not itself marked), or dropped with reason
``duplicate_near`` when ``drop_near=True``.

The MinHash values are this module's own scheme, ``SCHEME`` (``shingle_hashes`` and
``signature_values`` define it): all shingles hashed at once with numpy from prefix sums over the
key's UTF-8 bytes, then 128 affine permutations, instead of building each shingle string and
hashing it with SHA-1. ``signature(text)`` costs about 0.35 ms on a ~1,400-word article, of which
~0.13 ms is ``hash_key`` (datasketch's ``affine32`` MinHash it replaces: ~2.3 ms). In a cleaning
worker that ``hash_key`` is free: ``content_hash`` has just folded the same text, and
``hash_key`` keeps its last result (see ``cleaning.normalize``). Every signature, precomputed by a
cleaning worker or computed by the ``Deduplicator``, comes from ``signature_values``. Signatures
are never stored on disk, so a new scheme needs no migration: a precomputed signature of another
scheme is ignored.

The LSH index (``LSHIndex``) splits a signature into b bands of r values (b * r <= num_perm),
chosen by ``lsh_params`` as datasketch's ``MinHashLSH`` chose them (for the default threshold 0.8
and 128 permutations: 9 bands of 13 values). Two articles become candidates when all r values of
at least one band are equal, which happens with probability 1 - (1 - J^r)^b at Jaccard similarity
J. Each band is one dict from the band's bytes (r little-endian uint32) to the id (several ids in
a list on a collision); the stored signature is the same bytes, so nothing else is kept per
article. datasketch's ``MinHashLSH``, used before, imported scipy: ~60 MB more RSS in the crawl
process.

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
from functools import cache
from pathlib import Path

import numpy as np

from cleaning.document import Document, Dropped
from cleaning.normalize import hash_key

# pyarrow is imported where it is used: the cleaning workers import this module for ``signature``
# only, which needs numpy alone.

log = logging.getLogger(__name__)

#: The name of the hash scheme of ``signature_values``, part of every precomputed signature: a
#: signature of another scheme (or parameters) is ignored and computed again.
SCHEME = "poly64-affine32-v1"
DEFAULT_NUM_PERM, DEFAULT_SEED, DEFAULT_SHINGLE_WORDS = 128, 1, 5

_U64 = np.uint64
_MASK64 = (1 << 64) - 1
#: Base of the polynomial hash of a shingle's bytes (odd, hence invertible modulo 2^64).
POLY_BASE = 0x9E3779B97F4A7C15
#: Multiplier of the byte length, added to the polynomial (so trailing NUL bytes count).
LENGTH_MULTIPLIER = 0xC2B2AE3D27D4EB4F
_FMIX64 = (_U64(33), _U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53))  # MurmurHash3's finalizer
_MAX32 = np.uint32(0xFFFFFFFF)
_BLOCK = 4096  # shingles per (num_perm x block) uint32 temporary: 2 MB at 128 permutations
_PERMUTATIONS: dict[tuple[int, int], np.ndarray] = {}
_POWERS: tuple[np.ndarray, np.ndarray] = (np.ones(1, _U64), np.ones(1, _U64))  # R^j, R^-j mod 2^64
_KEEP_POWERS = 1 << 18


def shingles(key: str, size: int) -> list[bytes]:
    """Runs of ``size`` consecutive words of an already folded text; a short text is one shingle.

    The set ``signature_values`` hashes (it never builds these strings)."""
    words = key.split()
    if len(words) <= size:
        return [" ".join(words).encode("utf-8")] if words else []
    return [" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)]


def _splitmix64(state: int) -> tuple[int, int]:
    """(next state, output) of SplitMix64: the seed expansion of the permutation parameters."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


def permutations(num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED) -> np.ndarray:
    """The permutation parameters of ``SCHEME``: 2 x num_perm uint32, odd ``a`` and ``b``.

    For permutation i, ``a_i`` and ``b_i`` are the upper 32 bits of SplitMix64's outputs 2i and
    2i+1 from the state ``seed`` (``a_i`` with its lowest bit set): plain integer arithmetic,
    the same in every process and numpy version."""
    key = (num_perm, seed)
    if key not in _PERMUTATIONS:
        state, params = seed & _MASK64, []
        for _ in range(2 * num_perm):
            state, out = _splitmix64(state)
            params.append(out >> 32)
        a = np.array(params[0::2], dtype=np.uint32) | np.uint32(1)
        b = np.array(params[1::2], dtype=np.uint32)
        _PERMUTATIONS[key] = np.array([a, b])
    return _PERMUTATIONS[key]


def _powers(count: int) -> tuple[np.ndarray, np.ndarray]:
    """R^j and R^-j modulo 2^64 (R = POLY_BASE) for j < at least ``count``, grown by doubling;
    kept for the next call up to ``_KEEP_POWERS`` (an article of ~250 KB of text, 4 MB)."""
    global _POWERS
    up, down = _POWERS
    if len(up) >= count:
        return up, down
    while len(up) < count:
        step_up = _U64(int(up[-1]) * POLY_BASE & _MASK64)  # R^n, n = len(up)
        step_down = _U64(pow(int(step_up), -1, 1 << 64))  # R^-n
        up, down = np.concatenate((up, up * step_up)), np.concatenate((down, down * step_down))
    if len(up) <= _KEEP_POWERS:
        _POWERS = up, down  # one assignment: a concurrent caller sees the old or the new pair
    return up, down


def shingle_hashes(key: str, shingle_words: int = DEFAULT_SHINGLE_WORDS) -> np.ndarray:
    """The 32-bit hash of every shingle of ``key`` (``shingles(key, shingle_words)``, in order).

    For a shingle's UTF-8 bytes s_0..s_(m-1):
    ``fmix64(sum(s_j * R^j) + m * LENGTH_MULTIPLIER mod 2^64) >> 32`` with R = ``POLY_BASE`` and
    MurmurHash3's 64-bit finalizer. All shingles at once from prefix sums over the key's bytes:
    with P_i = sum(s_j * R^j, j < i), the bytes [x, y) hash to (P_y - P_x) * R^-x.

    ``key`` is a ``hash_key`` (words separated by single spaces, which is what ``shingles`` sees).
    """
    data = key.encode("utf-8")
    if not data:
        return np.empty(0, np.uint32)
    size = len(data)
    up, down = _powers(size)
    codes = np.frombuffer(data, dtype=np.uint8)
    prefix = np.zeros(size + 1, _U64)
    np.cumsum(codes * up[:size], out=prefix[1:])  # uint64 arithmetic wraps: modulo 2^64
    spaces = np.flatnonzero(codes == 32)
    words = len(spaces) + 1
    if words <= shingle_words:  # a short text is one shingle
        starts, ends = np.zeros(1, np.intp), np.full(1, size, np.intp)
    else:
        starts = np.concatenate(([0], spaces[: words - shingle_words] + 1))
        ends = np.concatenate((spaces[shingle_words - 1 :], [size]))
    hashes = (prefix[ends] - prefix[starts]) * down[starts]
    hashes += (ends - starts).astype(_U64) * _U64(LENGTH_MULTIPLIER)
    shift, m1, m2 = _FMIX64
    hashes ^= hashes >> shift
    hashes *= m1
    hashes ^= hashes >> shift
    hashes *= m2
    hashes ^= hashes >> shift
    return (hashes >> _U64(32)).astype(np.uint32)


def signature_values(key: str, *, num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED,
                     shingle_words: int = DEFAULT_SHINGLE_WORDS) -> np.ndarray:
    """The MinHash values (num_perm x uint32) of a folded text (``hash_key``) in ``SCHEME``.

    Value i is the minimum of ``(a_i * h + b_i) mod 2^32`` over the ``shingle_hashes`` h, with
    ``permutations(num_perm, seed)`` = (a, b): datasketch's affine32 permutations, applied to
    another 32-bit hash of the shingles. An empty text has no shingles: all values 2^32 - 1.
    The fraction of equal values of two signatures estimates the Jaccard similarity of the
    two shingle sets."""
    a, b = permutations(num_perm, seed)
    values = np.full(num_perm, _MAX32, dtype=np.uint32)
    hashes = shingle_hashes(key, shingle_words)
    a, b = a[:, None], b[:, None]
    for start in range(0, len(hashes), _BLOCK):
        permuted = a * hashes[start : start + _BLOCK]  # (num_perm, block) uint32, modulo 2^32
        permuted += b
        np.minimum(values, permuted.min(axis=1), out=values)
    return values


def signature(text: str, *, num_perm: int = DEFAULT_NUM_PERM, seed: int = DEFAULT_SEED,
              shingle_words: int = DEFAULT_SHINGLE_WORDS) -> tuple:
    """A precomputed signature for ``Document.signature``: ``(scheme, num_perm, seed,
    shingle_words, hash values as little-endian uint32 bytes)``. The cleaning workers compute
    it next to process_html, so the crawl process only queries the LSH index; a
    ``Deduplicator`` with other parameters (or another ``SCHEME``) ignores it and computes its own."""
    values = signature_values(hash_key(text), num_perm=num_perm, seed=seed, shingle_words=shingle_words)
    return (SCHEME, num_perm, seed, shingle_words, values.astype("<u4").tobytes())


def _simpson(function, low: float, high: float, steps: int) -> float:
    """Composite Simpson's rule over ``steps`` (even) intervals."""
    width = (high - low) / steps
    total = function(low) + function(high)
    for i in range(1, steps):
        total += (4 if i % 2 else 2) * function(low + i * width)
    return total * width / 3


#: Simpson intervals per integral of ``lsh_params``: 128 gives datasketch's (b, r) for every
#: threshold 0.01, 0.02 ... 0.99 at 64, 128 and 256 permutations (32 already differs at 0.9/128).
_INTEGRATION_STEPS = 128


@cache
def lsh_params(threshold: float, num_perm: int, false_positive_weight: float = 0.5,
               false_negative_weight: float = 0.5) -> tuple[int, int]:
    """(bands b, rows r), b * r <= num_perm, minimising the weighted sum of the false positive
    probability integrated over similarities [0, threshold] and the false negative probability
    integrated over [threshold, 1]: what datasketch's ``MinHashLSH`` (``_optimal_param``)
    computes with scipy's ``quad``, here with Simpson's rule. Ties: the first (b, r) in the order
    b = 1, 2, ..., then r = 1, 2, .... About 50 ms for 128 permutations; cached."""
    best_error, best = float("inf"), (0, 0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            def false_positive(s: float, b: int = bands, r: int = rows) -> float:
                return 1 - (1 - s**r) ** b

            def false_negative(s: float, b: int = bands, r: int = rows) -> float:
                return (1 - s**r) ** b

            error = (false_positive_weight * _simpson(false_positive, 0.0, threshold, _INTEGRATION_STEPS)
                     + false_negative_weight * _simpson(false_negative, threshold, 1.0, _INTEGRATION_STEPS))
            if error < best_error:
                best_error, best = error, (bands, rows)
    return best


class LSHIndex:
    """MinHash LSH over signatures given as bytes (``num_perm`` little-endian uint32 values).

    Band i is the bytes of values [i * rows, (i + 1) * rows); each band has a dict from those
    bytes to the id of the one signature indexed with them, or a list of the ids when several
    share them. ``query`` returns the ids sharing at least one band with a signature. Ids are
    any hashable value but a list (in practice: str).
    """

    __slots__ = ("_parts", "_tables", "bands", "rows")

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        width = 4 * rows
        self._parts = [slice(i * width, (i + 1) * width) for i in range(bands)]
        self._tables: list[dict[bytes, object]] = [{} for _ in range(bands)]

    def insert(self, key, signature: bytes) -> None:
        """Index ``key`` under the bands of ``signature`` (insert a key only once: see ``remove``)."""
        for part, table in zip(self._parts, self._tables):
            band = signature[part]
            held = table.get(band)
            if held is None:
                table[band] = key
            elif type(held) is list:
                held.append(key)
            else:
                table[band] = [held, key]

    def remove(self, key, signature: bytes) -> None:
        """Undo ``insert(key, signature)`` (the same signature); absent entries are ignored."""
        for part, table in zip(self._parts, self._tables):
            band = signature[part]
            held = table.get(band)
            if held is None:
                continue
            if type(held) is list:
                if key in held:
                    held.remove(key)
                if len(held) == 1:
                    table[band] = held[0]
            elif held == key:
                del table[band]

    def query(self, signature: bytes) -> list:
        """The ids sharing a band with ``signature``, each once: band by band, in insertion order."""
        found: dict | None = None
        for part, table in zip(self._parts, self._tables):
            held = table.get(signature[part])
            if held is None:
                continue
            if found is None:
                found = {}
            if type(held) is list:
                found.update(dict.fromkeys(held))
            else:
                found[held] = None
        return list(found) if found else []


def _to_bytes(values: np.ndarray) -> bytes:
    return values.astype("<u4", copy=False).tobytes()


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
        return _to_bytes(self.minhash(key))

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
                dedup._index(doc_id, dedup._signature(hash_key(text)))
                signatures += 1
        log.info("dedup seeded from %s: %d hashes, %d signatures", path, hashes, signatures)
        return dedup

    from_parquet = from_dataset
