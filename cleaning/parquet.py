"""The Parquet schema and a crash-safe dataset writer.

Rows are buffered in memory and each file is written whole: ``.*.tmp`` -> close -> fsync ->
rename -> fsync of the folder. A reader (or a crash) therefore sees either a complete file or
none; orphaned ``.*.tmp`` files from a killed writer are swept by ``sweep_temporary``. The
temporary name starts with a dot, which Parquet readers skip, so a folder being written (or left
by a killed writer) stays readable.
"""
from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cleaning.document import Document

log = logging.getLogger(__name__)

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
    ]
)
TMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class CommittedFile:
    """A Parquet file that is durably in place, and the ids of the rows it holds."""

    path: Path
    ids: tuple[str, ...]


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_SUFFIX}")


def write_table_atomically(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` so that ``path`` never exists half-written."""
    tmp = temporary_name(path)
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def sweep_temporary(folder: Path) -> int:
    """Delete temporary files a killed writer left behind; return how many."""
    swept = 0
    for tmp in folder.glob(f".*.parquet{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
        swept += 1
    return swept


def documents_to_table(docs: Iterable[Document]) -> pa.Table:
    return pa.Table.from_pylist([doc.to_row() for doc in docs], schema=SCHEMA)


class DatasetWriter:
    """Buffers Documents and commits them as whole Parquet files under ``out``.

    ``out`` is a dataset folder (files ``part-<run>-<seq>.parquet``) or, when it ends in
    ``.parquet``, one single file written at ``close``. A file is committed when the buffer
    reaches ``max_rows`` rows or ``max_bytes`` of text, and at ``close``. ``on_commit`` is
    called after each file is durably in place (the crawl ledger hooks in here);
    ``before_commit(path, ids)`` is called before the file is written, so that the ledger can
    record its intent first (see ``crawler.ledger``). If it raises, nothing is written.
    """

    def __init__(
        self,
        out: str | Path,
        *,
        max_rows: int = 50_000,
        max_bytes: int = 256 * 1024 * 1024,
        run_id: str | None = None,
        on_commit: Callable[[CommittedFile], None] | None = None,
        before_commit: Callable[[Path, tuple[str, ...]], None] | None = None,
    ) -> None:
        self.out = Path(out)
        self.single_file = self.out.suffix == ".parquet"
        self.folder = self.out.parent if self.single_file else self.out
        self.folder.mkdir(parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK):
            raise PermissionError(f"output folder is not writable: {self.folder}")
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.on_commit = on_commit
        self.before_commit = before_commit
        self.committed: list[CommittedFile] = []
        self.rows_written = 0
        self._buffer: list[Document] = []
        self._buffer_bytes = 0
        self._seq = 0
        if not self.single_file:
            sweep_temporary(self.folder)

    def write(self, doc: Document) -> None:
        self._buffer.append(doc)
        self._buffer_bytes += len(doc.text) + len(doc.title or "")
        if not self.single_file and (
            len(self._buffer) >= self.max_rows or self._buffer_bytes >= self.max_bytes
        ):
            self.commit()

    def commit(self) -> CommittedFile | None:
        """Write the buffered rows as one file now; None when the buffer is empty."""
        if not self._buffer:
            return None
        path = self.out if self.single_file else self.folder / f"part-{self.run_id}-{self._seq:05d}.parquet"
        if self.before_commit:
            self.before_commit(path, tuple(doc.id for doc in self._buffer))
        write_table_atomically(documents_to_table(self._buffer), path)
        committed = CommittedFile(path, tuple(doc.id for doc in self._buffer))
        self._seq += 1
        self.rows_written += len(self._buffer)
        self._buffer, self._buffer_bytes = [], 0
        self.committed.append(committed)
        log.info("committed %d rows to %s", len(committed.ids), path)
        if self.on_commit:
            self.on_commit(committed)
        return committed

    def close(self) -> None:
        self.commit()
        if self.single_file and not self.committed:
            # The promised file exists even when no row was written, with the schema.
            write_table_atomically(documents_to_table([]), self.out)

    def __enter__(self) -> "DatasetWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # On an exception the rows already cleaned are still committed: nothing silently lost.
        self.close()
