"""``newsclean clean FILE.warc[.gz]... -o OUT``: WARC responses -> the cleaning stages -> Parquet.

One pass over the files in order (``cleaning.warc.read_warc``: one record in memory at a time),
the HTML responses cleaned by ``cleaning.limits.HtmlPool`` worker processes (``workers`` of
them, each page under a time limit), the rows written by ``cleaning.dataset.DatasetWriter`` in
record order. Memory is one row group of rows plus a page per worker, whatever the file size.

Resume: ``WarcProgress`` keeps, beside the dataset, how far each WARC file's records are done,
and moves that mark only together with a committed Parquet file, so a run stopped in any way
(SIGKILL included) and started again with the same inputs and OUT goes on at the first record
whose row is not in OUT: nothing is written twice and nothing is lost. Records handled after
the last commit (whose rows died with the temporary file) are simply handled again.
"""
from __future__ import annotations

import json
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from cleaning.dataset import CommittedFile, Dataset, DatasetWriter, fsync_dir
from cleaning.document import Document, Dropped
from cleaning.limits import DEFAULT_TIMEOUT, HtmlPool
from cleaning.pipeline import Outcomes
from cleaning.warc import MAX_BODY_BYTES, WarcPage, WarcRecord, is_warc, read_warc

log = logging.getLogger(__name__)

PROGRESS_FILE = ".newsclean-warc-progress.json"
FILTERS = ("fineweb2",)
PAGES_PER_POOL = 1_000
ROW_GROUP_ROWS = 250     # rows held in memory before they go to the temporary Parquet file


@dataclass(frozen=True)
class WarcInput:
    path: Path
    key: str         # the file's path relative to the input root it was named by: its progress key


def find_warcs(paths: Iterable[Path]) -> list[WarcInput]:
    """WARC files named directly, and those below named folders (sorted, links not followed)."""
    found = []
    for root in paths:
        if root.is_dir():
            for folder, dirs, files in os.walk(root, followlinks=False):
                dirs.sort()
                found += [WarcInput(Path(folder, name), Path(folder, name).relative_to(root).as_posix())
                          for name in sorted(files) if is_warc(Path(name))]
        elif is_warc(root):
            found.append(WarcInput(root, root.name))
    return found


def _write_json_atomically(data: dict, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


class WarcProgress:
    """How far each WARC file is done, committed with the Parquet files (``OUT/.newsclean-warc-progress.json``).

    ``done[key]`` is an offset: every record of that file before it is in OUT (as a row, or
    counted as dropped). Committing a Parquet file is two steps (the file's rename, then this
    record), so ``before_commit`` first saves the new marks as *pending* on the file's name,
    and ``on_commit`` makes them current; on opening, a pending file that exists was committed
    (its marks are taken), one that does not was not (its marks are dropped, its temporary file
    was swept). The crawl's ledger (``crawler.state``) answers the same question for URLs in
    SQLite or Redis with the crawl's own states; a WARC run needs only one number per file,
    so a JSON file written atomically is enough and adds no dependency between the two.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / PROGRESS_FILE
        state = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        self.done: dict[str, int] = state.get("done", {})
        pending = state.get("pending")
        if pending:
            if (folder / pending["file"]).exists():
                self.done = pending["done"]
            self._save()
        self.current: dict[str, int] = dict(self.done)
        self._pending: dict[str, int] | None = None

    @staticmethod
    def exists(folder: Path) -> bool:
        return (folder / PROGRESS_FILE).exists()

    def start(self, key: str) -> int:
        return self.done.get(key, 0)

    def advance(self, key: str, next_offset: int) -> None:
        self.current[key] = next_offset

    def before_commit(self, path: Path, ids: tuple[str, ...]) -> None:
        self._pending = dict(self.current)
        _write_json_atomically({"done": self.done, "pending": {"file": path.name, "done": self._pending}}, self.path)

    def on_commit(self, committed: CommittedFile) -> None:
        self.done, self._pending = self._pending or dict(self.current), None
        self._save()

    def settle(self) -> None:
        """No row is waiting to be committed: what was handled is done."""
        self.done = dict(self.current)
        self._save()

    def _save(self) -> None:
        _write_json_atomically({"done": self.done}, self.path)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _records(inputs: list[WarcInput], progress: WarcProgress | None, max_bytes: int,
             bar: tqdm) -> Iterator[tuple[WarcInput, WarcRecord]]:
    for item in inputs:
        start = progress.start(item.key) if progress else 0
        size = _size(item.path)
        if start and start >= size:
            bar.update(size)
            continue
        seen, opened = 0, True
        for record in read_warc(item.path, start=start, max_bytes=max_bytes):
            bar.update(max(0, record.bytes_read - seen))
            seen = max(seen, record.bytes_read)
            opened = record.offset >= 0
            yield item, record
        bar.update(max(0, size - seen))
        if opened:
            yield item, WarcRecord(size, Dropped("end_of_file"), size)   # marks the file done


def filtered(result: Document | Dropped, filter_name: str | None) -> Document | Dropped:
    """``result``, or Dropped("fineweb2_<reason>") when ``filter_name`` rejects the row."""
    if filter_name == "fineweb2" and isinstance(result, Document) and result.filter_reason:
        return Dropped(f"fineweb2_{result.filter_reason}", "--filter fineweb2")
    return result


def clean_warcs(
    inputs: list[WarcInput],
    out: Path,
    *,
    workers: int = 1,
    max_bytes: int = MAX_BODY_BYTES,
    max_rows: int = 50_000,
    filter_name: str | None = None,
    progress: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    pages_per_pool: int = PAGES_PER_POOL,
) -> Outcomes:
    """Clean the HTML responses of ``inputs`` into the dataset ``out``; return the counts by outcome.

    A folder ``out`` that holds the progress of an earlier run of these files goes on from it.
    """
    outcomes = Outcomes()
    dataset = Dataset(out)
    dataset.prepare()
    marks = None if dataset.single_file else WarcProgress(dataset.folder)
    hooks = {"before_commit": marks.before_commit, "on_commit": marks.on_commit} if marks else {}
    total = sum(_size(item.path) for item in inputs)
    waiting: deque[tuple[WarcInput, WarcRecord]] = deque()   # records in file order, pages not yet back

    def jobs() -> Iterator[tuple[bytes, str, str, str | None]]:
        for item, record in _records(inputs, marks, max_bytes, bar):
            waiting.append((item, record))
            if isinstance(record.result, WarcPage):
                page = record.result
                yield page.body, page.url, page.url, page.charset

    def finish(item: WarcInput, record: WarcRecord, result: Document | Dropped | None, writer: DatasetWriter) -> None:
        if result is None:                  # a record with no page: its drop, if it is one
            result = record.result
        if marks and record.offset >= 0:   # a file that could not be opened stays to do
            marks.advance(item.key, record.offset + 1)
        if isinstance(result, Dropped) and result.reason == "end_of_file":
            return
        result = filtered(result, filter_name)
        outcomes.record(result, f"{item.key}@{record.offset}")
        if isinstance(result, Document):
            writer.write(result)

    with DatasetWriter(dataset, max_rows=max_rows, row_group_rows=ROW_GROUP_ROWS, **hooks) as writer, \
            tqdm(total=total, desc="clean", unit="B", unit_scale=True, disable=not progress) as bar:
        pending = jobs()
        while True:
            # Fresh workers for every ``pages_per_pool`` pages (forked from the same preloaded
            # server, so cheap): what a long-lived worker's heap gathers over many pages of a
            # large file is given back, and memory stays the same whatever the file size.
            with HtmlPool(workers=workers, timeout=timeout) as pool:
                cleaned = 0
                for result in pool.map(islice(pending, pages_per_pool)):
                    cleaned += 1
                    while not isinstance(waiting[0][1].result, WarcPage):   # drops before this page
                        finish(*waiting.popleft(), None, writer)
                    item, record = waiting.popleft()
                    if isinstance(result, Document):
                        result.fetched_at = record.result.fetched_at
                        # not Parquet columns, and large (every line's decision): not kept
                        # for the row group's time in memory
                        result.decisions, result.page = [], None
                    finish(item, record, result, writer)
            if cleaned < pages_per_pool:
                break
        while waiting:
            finish(*waiting.popleft(), None, writer)
    if marks:
        marks.settle()
    return outcomes
