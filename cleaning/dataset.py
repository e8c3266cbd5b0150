"""The output dataset ``OUT``: what it is, and the only way a Parquet file enters or leaves it.

Owns:

- ``Dataset``: ``OUT`` as one value. ``OUT`` is a dataset folder (files ``*.parquet``), or, when
  it ends in ``.parquet``, one single file. That question is answered here only
  (``Dataset.single_file``); everything else asks a ``Dataset`` for its folder, files or lock.
- ``commit_file``: THE commit point. Every Parquet file written into a dataset (by
  ``DatasetWriter``, ``write_table_atomically``, the datatrove writer, a rewrite that removes
  rows) is written under a hidden temporary name and then passes through ``commit_file``:
  fsync -> rename -> fsync of the folder. A reader, or a crash, sees a complete file or none.
  It is also the hook for per-commit side files (e.g. a dataset card ``OUT/README.md``
  rewritten atomically on each commit): add them there, and every writer gets them.
- Temporary files (``.<name>.parquet.tmp``: the leading dot makes Parquet readers skip them;
  ``sweep``), quarantine (``OUT/_quarantine/``: pyarrow skips ``_``-prefixed folders; files
  leave the dataset without being deleted, since they may be someone's data), ``readable``,
  removing rows from a committed file (``remove_rows``), the checks behind a verify
  (``ids_by_file``, ``read_problem``) and the output lock (``DatasetLock``, ``OUT/.lock``).
- ``DatasetWriter``: Documents -> Parquet files of the schema in ``cleaning.parquet``.
"""
from __future__ import annotations

import fcntl
import logging
import os
import re
import signal
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cleaning.card import refresh_card
from cleaning.document import Document
from cleaning.parquet import SCHEMA, documents_to_table

log = logging.getLogger(__name__)

SUFFIX = ".parquet"
TMP_SUFFIX = ".tmp"
QUARANTINE = "_quarantine"
LOCK_FILE = ".lock"


@dataclass(frozen=True)
class CommittedFile:
    """A Parquet file that is durably in place, and the ids of the rows it holds."""

    path: Path
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Dataset:
    """``OUT``: a dataset folder, or one ``.parquet`` file (then its folder holds the temporaries)."""

    path: Path

    def __init__(self, out: str | Path | "Dataset") -> None:
        object.__setattr__(self, "path", out.path if isinstance(out, Dataset) else Path(out))

    @property
    def single_file(self) -> bool:
        return self.path.suffix == SUFFIX

    @property
    def folder(self) -> Path:
        """The folder that holds the files (and the lock, the temporaries, the quarantine)."""
        return self.path.parent if self.single_file else self.path

    def files(self) -> list[Path]:
        """The committed Parquet files, sorted (never a temporary nor a quarantined one)."""
        if self.single_file:
            return [self.path] if self.path.exists() else []
        return sorted(self.path.glob(f"*{SUFFIX}")) if self.path.is_dir() else []

    def part(self, run_id: str, seq: int | str) -> Path:
        """Where a writer's file number ``seq`` goes: the single file, or ``part-<run>-<seq>.parquet``."""
        if self.single_file:
            return self.path
        label = f"{seq:05d}" if isinstance(seq, int) else seq
        return self.folder / f"part-{run_id}-{label}{SUFFIX}"

    def parts(self, run_id: str) -> list[Path]:
        """The committed files of the writer run ``run_id`` (``part-<run_id>-*.parquet``)."""
        if self.single_file:
            return []
        name = re.compile(rf"part-{re.escape(run_id)}-(\d{{5}}|empty){re.escape(SUFFIX)}")
        return [path for path in self.files() if name.fullmatch(path.name)]

    def prepare(self) -> None:
        """Create the folder; PermissionError when it cannot be written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not os.access(self.folder, os.W_OK):
            raise PermissionError(f"output folder is not writable: {self.folder}")

    def sweep(self) -> int:
        """Delete temporary files a killed writer left behind; return how many."""
        return sweep_temporary(self.folder)

    def lock(self) -> "DatasetLock":
        return DatasetLock(self)

    def ids_by_file(self) -> tuple[dict[str, str], list[str]]:
        """({id: file name}, problems): each id found in two files is a problem."""
        where: dict[str, str] = {}
        problems: list[str] = []
        for path in self.files():
            for doc_id in pq.read_table(path, columns=["id"])["id"].to_pylist():
                if doc_id in where:
                    problems.append(f"id {doc_id} in {where[doc_id]} and {path.name}")
                where[doc_id] = path.name
        return where, problems

    def read_problem(self) -> str | None:
        """Why the files do not read as one dataset, or None when they do (or there are none)."""
        if not self.files():
            return None
        try:
            pq.read_table(self.path)
        except Exception as exc:  # noqa: BLE001 - any failure to read is the problem reported
            return f"dataset unreadable: {exc}"
        return None


def temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_SUFFIX}")


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_file(tmp: Path, path: Path) -> None:
    """Put the finished temporary file ``tmp`` in the dataset as ``path``: fsync it, rename it,
    fsync the folder. THE commit point: every Parquet file enters a dataset here, so per-commit
    side files (a dataset card ``OUT/README.md``, rewritten atomically) belong here too.
    On any error the temporary file is removed and the error raised; ``path`` is untouched."""
    try:
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    refresh_card(path)


def write_table_atomically(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` so that ``path`` never exists half-written."""
    tmp = temporary_name(path)
    try:
        pq.write_table(table, tmp, compression="zstd")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    commit_file(tmp, path)


def sweep_temporary(folder: Path) -> int:
    """Delete the ``.*.parquet.tmp`` files in ``folder``; return how many."""
    swept = 0
    for tmp in folder.glob(f".*{SUFFIX}{TMP_SUFFIX}"):
        tmp.unlink(missing_ok=True)
        swept += 1
    return swept


def readable(path: Path) -> bool:
    """Whether ``path`` is a whole Parquet file (its footer reads)."""
    try:
        pq.read_metadata(path)
        return True
    except Exception:  # noqa: BLE001 - a torn or foreign file, whatever the error
        return False


def quarantine(path: Path) -> Path:
    """Move ``path`` to ``_quarantine/`` beside it: out of the dataset, but not deleted."""
    target = path.parent / QUARANTINE
    target.mkdir(exist_ok=True)
    moved = target / path.name
    path.replace(moved)
    log.warning("moved %s to %s (not part of the dataset)", path.name, target)
    return moved


def remove_rows(path: Path, ids: set[str]) -> None:
    """Remove the rows ``ids`` from the committed file ``path``: rewritten through the commit
    point, or deleted when no row is left. A missing file is left missing."""
    if not path.exists():
        return
    table = pq.read_table(path)
    kept = table.filter(pc.invert(pc.is_in(table["id"], value_set=pa.array(sorted(ids), type=pa.string()))))
    if kept.num_rows == 0:
        path.unlink()
    elif kept.num_rows < table.num_rows:
        write_table_atomically(kept, path)


class DatasetLock:
    """An exclusive lock on a dataset folder for the length of a run (``OUT/.lock``, flock).

    Sweeping temporaries and settling unfinished commits, run concurrently with another writer
    on the same folder, would delete its file in progress. The kernel releases the lock when
    its process dies, even by SIGKILL. pyarrow skips ``.``-prefixed files, so the lock file
    never disturbs readers.
    """

    def __init__(self, out: str | Path | Dataset) -> None:
        self.folder = Dataset(out).folder
        self._handle = None

    def __enter__(self) -> "DatasetLock":
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / LOCK_FILE, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise RuntimeError(f"another crawl is writing to {self.folder}") from None
        self._handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the flock
            self._handle = None


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


class DatasetWriter:
    """Writes Documents as Parquet files into the dataset ``out``, each file whole or not at all.

    Rows are written in row groups of ``row_group_rows`` to a hidden temporary file as they come
    (memory holds one row group, not a whole file); the file is committed (``commit_file``) when
    it reaches ``max_rows`` rows or ``max_bytes`` of text, and at ``close``. A crash leaves only
    the hidden temporary file, which readers skip and the next writer sweeps.

    ``before_commit(path, ids)`` is called before the file takes its final name, so that a crawl
    ledger can record its intent first (see ``crawler.state``): if it raises, the file is not
    renamed. ``on_commit`` is called after each file is durably in place. ``close`` leaves a
    readable dataset even when no row was written: the single file always, a folder with
    ``empty_file`` (one empty file with the schema, committed with the same hooks, unless the
    folder already holds files).
    """

    def __init__(
        self,
        out: str | Path | Dataset,
        *,
        max_rows: int = 50_000,
        max_bytes: int = 256 * 1024 * 1024,
        row_group_rows: int = 1_000,
        run_id: str | None = None,
        on_commit: Callable[[CommittedFile], None] | None = None,
        before_commit: Callable[[Path, tuple[str, ...]], None] | None = None,
        empty_file: bool = False,
    ) -> None:
        self.dataset = Dataset(out)
        self.dataset.prepare()
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.row_group_rows = row_group_rows
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.on_commit = on_commit
        self.before_commit = before_commit
        self.empty_file = empty_file or self.dataset.single_file
        self.committed: list[CommittedFile] = []
        self.rows_written = 0
        self._group: list[Document] = []      # rows not yet in the temporary file
        self._ids: list[str] = []             # every row of the file being written
        self._file_bytes = 0
        self._file: pq.ParquetWriter | None = None
        self._seq = 0
        if not self.dataset.single_file:
            self.dataset.sweep()

    @property
    def single_file(self) -> bool:
        return self.dataset.single_file

    @property
    def folder(self) -> Path:
        return self.dataset.folder

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
        return self.dataset.part(self.run_id, self._seq)

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
            self._publish(path, ids, self._close_file)
        return self.committed[-1]

    def _close_file(self, path: Path) -> None:
        self._file.close()
        self._file = None

    def _publish(self, path: Path, ids: tuple[str, ...], finish: Callable[[Path], None]) -> None:
        """before_commit -> ``finish`` the temporary file -> ``commit_file`` -> on_commit."""
        if self.before_commit:
            self.before_commit(path, ids)
        try:
            finish(temporary_name(path))
            commit_file(temporary_name(path), path)
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

    def close(self) -> None:
        self.commit()
        if self.empty_file and not self.committed and (self.single_file or not self.dataset.files()):
            # The promised dataset exists even when no row was written, with the schema.
            path = self.dataset.part(self.run_id, "empty")
            self._publish(path, (), lambda tmp: pq.write_table(documents_to_table([]), tmp, compression="zstd"))

    def __enter__(self) -> "DatasetWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # On an exception the rows already cleaned are still committed: nothing silently lost.
        self.close()
