"""The Parquet schema of the output (DESIGN.md), and Documents as Arrow tables of it.

How files are written into a dataset (atomically, with a lock, quarantine, ...) is
``cleaning.dataset``'s business.
"""
from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from cleaning.document import Document
from cleaning.quality import SIGNAL_COLUMNS

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")
SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("source", pa.string(), nullable=False),
        pa.field("domain", pa.string()),
        pa.field("title", pa.string()),
        pa.field("author", pa.string()),
        pa.field("published", UTC_TIMESTAMP),
        pa.field("text", pa.string(), nullable=False),
        pa.field("language", pa.string(), nullable=False),
        pa.field("language_score", pa.float32(), nullable=False),
        pa.field("n_chars", pa.int32(), nullable=False),
        pa.field("n_words", pa.int32(), nullable=False),
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("fetched_at", UTC_TIMESTAMP),
        pa.field("pipeline", pa.string(), nullable=False),
        pa.field("duplicate_of", pa.string()),
        pa.field("canonical_url", pa.string()),
        # Quality signals (cleaning.quality.SIGNAL_COLUMNS) and the first FineWeb-2 filter failed.
        *(pa.field(name, pa.float32()) for name in SIGNAL_COLUMNS),
        pa.field("filter_reason", pa.string()),
    ]
)


def documents_to_table(docs: Iterable[Document]) -> pa.Table:
    return pa.Table.from_pylist([doc.to_row() for doc in docs], schema=SCHEMA)
