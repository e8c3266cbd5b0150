"""MinHash signatures of texts: this project's own hash scheme, ``SCHEME``.

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
"""
from __future__ import annotations

import numpy as np

from cleaning.normalize import hash_key

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
