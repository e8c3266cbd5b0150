"""Stages composed over a Document, and the counts of what happened to each input."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable

from cleaning.document import Document, Dropped

log = logging.getLogger(__name__)

Stage = Callable[[Document], "Document | Dropped"]


def run_stages(doc: Document, stages: Iterable[Stage]) -> Document | Dropped:
    """Pass ``doc`` through ``stages`` in order; stop at the first that drops it."""
    for stage in stages:
        result = stage(doc)
        if isinstance(result, Dropped):
            return result
        doc = result
    return doc


class Outcomes(Counter):
    """Counts by outcome: ``written`` and one key per drop or failure reason."""

    def record(self, result: Document | Dropped, source: str = "") -> None:
        if isinstance(result, Dropped):
            self[result.reason] += 1
            log.info("dropped %s: %s %s", source, result.reason, result.detail)
        else:
            self["written"] += 1

    def summary(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in sorted(self.items(), key=lambda kv: (-kv[1], kv[0])))
