"""Locality-sensitive hashing over MinHash signatures: candidate near duplicates.

The LSH index (``LSHIndex``) splits a signature into b bands of r values (b * r <= num_perm),
chosen by ``lsh_params`` as datasketch's ``MinHashLSH`` chose them (for the default threshold 0.8
and 128 permutations: 9 bands of 13 values). Two articles become candidates when all r values of
at least one band are equal, which happens with probability 1 - (1 - J^r)^b at Jaccard similarity
J. Each band is one dict from the band's bytes (r little-endian uint32) to the id (several ids in
a list on a collision); the stored signature is the same bytes, so nothing else is kept per
article. datasketch's ``MinHashLSH``, used before, imported scipy: ~60 MB more RSS in the crawl
process.
"""
from __future__ import annotations

from functools import cache

import numpy as np

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


def to_bytes(values: np.ndarray) -> bytes:
    return values.astype("<u4", copy=False).tobytes()
