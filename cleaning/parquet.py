"""The Parquet schema and a crash-safe dataset writer.

Each file is written under a hidden temporary name, then closed -> fsync -> rename -> fsync of
the folder. A reader (or a crash) therefore sees either a complete file or
none; orphaned ``.*.tmp`` files from a killed writer are swept by ``sweep_temporary``. The
temporary name starts with a dot, which Parquet readers skip, so a folder being written (or left
by a killed writer) stays readable.
"""
from __future__ import annotations

import logging
import os
import signal
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
        pa.field("canonical_url", pa.string()),
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


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (then their handlers run), so a graceful stop
    cannot fall between writing rows and recording them. SIGKILL cannot be deferred: it leaves
    only a hidden temporary file, which is swept."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    except (AttributeError, OSError, ValueError):  # no POSIX signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_SUFFIX}")


def write_table_atomically(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` so that ``path`` never exists half-written."""
    tmp = temporary_name(path)
    try:
        pq.write_table(table, tmp, compression="zstd")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _publish(tmp, path)


def _publish(tmp: Path, path: Path) -> None:
    """fsync the finished temporary file, rename it to ``path``, fsync the folder."""
    try:
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
    """Writes Documents as Parquet files under ``out``, each file appearing whole or not at all.

    ``out`` is a dataset folder (files ``part-<run>-<seq>.parquet``) or, when it ends in
    ``.parquet``, one single file. Rows are written in row groups of ``row_group_rows`` to a
    hidden temporary file as they come (so memory holds one row group, not a whole file); the
    file is committed (closed, fsynced, renamed to its final name, folder fsynced) when it
    reaches ``max_rows`` rows or ``max_bytes`` of text, and at ``close``. A crash leaves only the
    hidden temporary file, which readers skip and the next writer sweeps.

    ``before_commit(path, ids)`` is called before the file takes its final name, so that the
    crawl ledger can record its intent first (see ``crawler.ledger``): if it raises, the file is
    not renamed. ``on_commit`` is called after each file is durably in place.
    """

    def __init__(
        self,
        out: str | Path,
        *,
        max_rows: int = 50_000,
        max_bytes: int = 256 * 1024 * 1024,
        row_group_rows: int = 1_000,
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
        self.row_group_rows = row_group_rows
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.on_commit = on_commit
        self.before_commit = before_commit
        self.committed: list[CommittedFile] = []
        self.rows_written = 0
        self._group: list[Document] = []      # rows not yet in the temporary file
        self._ids: list[str] = []             # every row of the file being written
        self._file_bytes = 0
        self._file: pq.ParquetWriter | None = None
        self._seq = 0
        if not self.single_file:
            sweep_temporary(self.folder)

    def write(self, doc: Document) -> None:
        with signals_deferred():
            self._group.append(doc)
            self._ids.append(doc.id)
            self._file_bytes += len(doc.text) + len(doc.title or "")
            if len(self._group) >= self.row_group_rows:
                self._write_group()
        if not self.single_file and (len(self._ids) >= self.max_rows or self._file_bytes >= self.max_bytes):
            self.commit()

    def _path(self) -> Path:
        return self.out if self.single_file else self.folder / f"part-{self.run_id}-{self._seq:05d}.parquet"

    def _write_group(self) -> None:
        """Append the pending rows to the temporary file as one row group."""
        if not self._group:
            return
        table = documents_to_table(self._group)  # before the file is opened: a bad row leaves no file
        try:
            if self._file is None:
                self._file = pq.ParquetWriter(temporary_name(self._path()), SCHEMA, compression="zstd")
            self._file.write_table(table)
        except BaseException:
            self._abort_file()
            raise
        self._group = []

    def _abort_file(self) -> None:
        """A write failed (disk full, I/O error): drop the file being written and its rows; the
        error goes on to the caller, and the files committed before stay as they are."""
        if self._file is not None:
            try:
                self._file.close()
            except Exception:  # noqa: BLE001 - the first error is the one to report
                pass
        temporary_name(self._path()).unlink(missing_ok=True)
        self._file, self._group, self._ids, self._file_bytes = None, [], [], 0

    def commit(self) -> CommittedFile | None:
        """Give the file being written its final name now; None when it holds no row."""
        if not self._ids:
            return None
        with signals_deferred():
            self._write_group()
            path, ids = self._path(), tuple(self._ids)
            if self.before_commit:
                self.before_commit(path, ids)
            try:
                self._file.close()
                self._file = None
                _publish(temporary_name(path), path)
            except BaseException:
                self._abort_file()
                raise
            committed = CommittedFile(path, ids)
            self._seq += 1
            self.rows_written += len(ids)
            self._ids, self._file_bytes = [], 0
            self.committed.append(committed)
        log.info("committed %d rows to %s", len(ids), path)
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
