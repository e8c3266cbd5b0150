"""The cleaning stages as datatrove pipeline steps, for batch cleaning on many cores or machines.

A pipeline is ``[reader, NewsCleanStep(), NewsParquetWriter(out)]`` run by any datatrove
executor (``LocalPipelineExecutor`` here; ``SlurmPipelineExecutor`` / ``RayPipelineExecutor``
on a cluster, see README "Scaling out"). Each datatrove task (rank) reads its shard of the
inputs, cleans them with the very code of the single-process ``newsclean clean``
(``cleaning.files.clean_data``: same ids, text and hashes) and commits its own Parquet
file(s) with our schema (``cleaning.parquet``) and our atomic write (``cleaning.dataset``).

Readers:
- ``NewsFileReader(paths)``: our .txt/.html(.gz) files, found and read exactly as ``newsclean
  clean`` finds and reads them (``cleaning.sources``): ids from the path relative to the input
  root, bad files counted by reason. Rank r of n takes every n-th file of the sorted list.
- ``NewsWarcReader(folder)``: WARC response records (HTML), the payload kept as bytes so that
  our charset rules (``cleaning.charset``) decide the encoding, as for crawled pages.
- datatrove's own readers (``WarcReader``, ``JsonlReader``, ...) also work: ``NewsCleanStep``
  treats a document without our ``raw`` bytes as HTML in ``doc.text`` with ``metadata["url"]``.

Every drop and failure is counted by reason in datatrove's stats (``dropped_<reason>``, as its
``BaseFilter`` does); ``outcomes(stats)`` turns the merged stats into ``newsclean``'s counts.
Between the clean step and the writer a cleaned document is a datatrove Document whose ``id`` and
``text`` are ours and whose ``metadata`` holds the other schema columns, so datatrove filters can
be put between them.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
from datatrove.data import Document as DTDocument
from datatrove.data import DocumentsPipeline
from datatrove.io import DataFolderLike
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.readers.base import BaseDiskReader, BaseReader
from datatrove.utils.stats import PipelineStats

from cleaning.dataset import Dataset, sweep_temporary, write_table_atomically
from cleaning.dates import parse_datetime
from cleaning.document import Document, Dropped
from cleaning.html import process_html
from cleaning.parquet import SCHEMA
from cleaning.pipeline import Outcomes
from cleaning.sources import MAX_FILE_BYTES, find_inputs, read_input
from cleaning.files import clean_data

log = logging.getLogger(__name__)

RAW = "raw"            # metadata key: the input's bytes, from our readers
KIND = "kind"          # metadata key: "html" or "text"
DROPPED_PREFIX = "dropped_"
WRITTEN = "written"
_COLUMNS = [f.name for f in SCHEMA if f.name not in ("id", "text")]


def _count_drop(step: PipelineStep, dropped: Dropped, source: str) -> None:
    step.stat_update("dropped", f"{DROPPED_PREFIX}{dropped.reason}")
    log.info("dropped %s: %s %s", source, dropped.reason, dropped.detail)


class NewsFileReader(BaseReader):
    """Our text dumps and HTML files under ``paths`` (files or folders), sharded by rank.

    Needs the paths on a filesystem every task sees (local disk, NFS, a cluster's shared storage).
    Files that cannot be cleaned (empty, binary, too large, unreadable) are counted here.
    """

    name = "📰 newsclean files"

    def __init__(self, paths: Iterable[str | Path], max_bytes: int = MAX_FILE_BYTES, limit: int = -1):
        super().__init__(limit=limit)
        self.paths = [Path(p) for p in paths]
        self.max_bytes = max_bytes

    def run(self, data: DocumentsPipeline = None, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if data:
            yield from data
        shard = list(find_inputs(self.paths))[rank::world_size]
        for n, item in enumerate(shard):
            if self.limit != -1 and n >= self.limit:
                break
            self.stat_update("input_files")
            with self.track_time():
                raw = read_input(item, self.max_bytes)
            if isinstance(raw, Dropped):
                _count_drop(self, raw, item.source)
                continue
            yield DTDocument(text="", id=item.source, metadata={RAW: raw, KIND: item.kind, "source": item.source})


class NewsWarcReader(BaseDiskReader):
    """HTML response records of WARC files (.warc, .warc.gz) under ``data_folder``.

    Like datatrove's ``WarcReader`` but keeps the payload as bytes (our charset detection
    decides, as for crawled pages) and needs only ``warcio``.
    """

    name = "🕷 newsclean WARC"
    _requires_dependencies = ["warcio"]

    def __init__(self, data_folder: DataFolderLike, compression: str | None = "infer", glob_pattern: str | None = None,
                 **kwargs):
        self.compression = compression
        super().__init__(data_folder, glob_pattern=glob_pattern, **kwargs)

    def read_file(self, filepath: str) -> DocumentsPipeline:
        from warcio.archiveiterator import ArchiveIterator

        with self.data_folder.open(filepath, "rb", compression=self.compression) as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type != "response":
                    continue
                content_type = ""
                if record.http_headers is not None:
                    content_type = record.http_headers.get_header("Content-Type") or ""
                content_type = record.rec_headers.get_header("WARC-Identified-Payload-Type") or content_type
                if content_type and "html" not in content_type.lower():
                    self.stat_update("skipped_not_html")
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI")
                yield DTDocument(
                    text="",
                    id=record.rec_headers.get_header("WARC-Record-ID") or url,
                    metadata={RAW: record.content_stream().read(), KIND: "html", "url": url, "source": url,
                              "date": record.rec_headers.get_header("WARC-Date")},
                )


def clean_document(doc: DTDocument) -> Document | Dropped:
    """One datatrove Document from a reader -> our Document, or Dropped."""
    meta = doc.metadata
    raw = meta.pop(RAW, None)
    kind = meta.get(KIND, "html")
    url = meta.get("url")
    if url is None and raw is not None:  # a file: exactly the single-process path
        return clean_data(raw, kind, meta.get("source") or doc.id)
    payload = raw if raw is not None else doc.text
    if kind == "text":
        from cleaning.text import process_text

        return process_text(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"),
                            meta.get("source") or url or doc.id)
    result = process_html(payload, url=url, source=url or meta.get("source") or doc.id)
    if isinstance(result, Document) and result.fetched_at is None:
        result.fetched_at = parse_datetime(meta.get("date"))
    return result


def to_datatrove(doc: Document) -> DTDocument:
    row = doc.to_row()
    return DTDocument(text=row.pop("text"), id=row.pop("id"), metadata=row)


def to_row(doc: DTDocument) -> dict:
    row = {column: doc.metadata.get(column) for column in _COLUMNS}
    row["id"], row["text"] = doc.id, doc.text
    return row


class NewsCleanStep(PipelineStep):
    """Extract (HTML), clean, normalize and label each document with newsclean's stages.

    Drops are counted as ``dropped_<reason>`` (like datatrove's ``BaseFilter``); a bug on one
    input is counted as ``dropped_error`` and logged, and the task goes on.
    """

    name = "🧹 newsclean clean"
    type = "🔻 - FILTER"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data or ():
            self.stat_update("total")
            source = doc.metadata.get("source") or doc.id
            with self.track_time():
                try:
                    result = clean_document(doc)
                except Exception as error:  # one bad input must not end the task: count it
                    log.exception("failed on %s", source)
                    result = Dropped("error", f"{type(error).__name__}: {error}")
            if isinstance(result, Dropped):
                _count_drop(self, result, source)
                continue
            self.stat_update("forwarded")
            cleaned = to_datatrove(result)
            self.update_doc_stats(cleaned)
            yield cleaned


class NewsParquetWriter(PipelineStep):
    """Commits the cleaned documents of each task to ``part-<run_id>-r<rank>-<seq>.parquet``.

    Our schema and our atomic commit (``cleaning.dataset.write_table_atomically``): readers never
    see a torn file. One file per task unless it holds more than ``max_rows`` rows. The names are
    deterministic for a given ``run_id``, and a task deletes its own earlier files when it starts,
    so a task re-run after a crash (datatrove re-runs incomplete ranks) replaces its files instead
    of adding duplicates. Pass a fixed ``run_id`` for such re-runs; the default is random.
    """

    name = "💾 newsclean Parquet"
    type = "💽 - WRITER"

    def __init__(self, output_folder: str | Path, run_id: str | None = None, max_rows: int = 50_000):
        super().__init__()
        self.output_folder = Path(output_folder)
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.max_rows = max_rows

    def _task_run(self, rank: int) -> str:
        """The run id of one task's files: ``part-<run_id>-r<rank>-<seq>.parquet``."""
        return f"{self.run_id}-r{rank:05d}"

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        dataset = Dataset(self.output_folder)
        dataset.prepare()
        for old in dataset.parts(self._task_run(rank)):
            old.unlink()
        rows: list[dict] = []
        seq = 0

        def commit() -> None:
            nonlocal rows, seq
            if not rows:
                return
            path = dataset.part(self._task_run(rank), seq)
            with self.track_time("file"):
                write_table_atomically(pa.Table.from_pylist(rows, schema=SCHEMA), path)
            self.stat_update(WRITTEN, value=len(rows))
            self.stat_update("files")
            log.info("committed %d rows to %s", len(rows), path)
            rows, seq = [], seq + 1

        try:
            for doc in data or ():
                rows.append(to_row(doc))
                if len(rows) >= self.max_rows:
                    commit()
                yield doc
        finally:
            # On an exception the rows already cleaned are still committed, as DatasetWriter does.
            commit()


def clean_pipeline(paths: Iterable[str | Path], out: str | Path, *, max_bytes: int = MAX_FILE_BYTES,
                   max_rows: int = 50_000, run_id: str | None = None) -> list[PipelineStep]:
    """The steps of ``newsclean clean`` for any datatrove executor."""
    return [NewsFileReader(paths, max_bytes=max_bytes), NewsCleanStep(),
            NewsParquetWriter(out, run_id=run_id, max_rows=max_rows)]


def outcomes(stats: PipelineStats) -> Outcomes:
    """newsclean's outcome counts (``written`` and one key per drop reason) from datatrove's merged stats."""
    counts = Outcomes()
    for step in stats.stats:
        for key, metric in step.stats.items():
            if key.startswith(DROPPED_PREFIX):
                counts[key[len(DROPPED_PREFIX):]] += int(metric.total)
            elif key == WRITTEN and step.name == str(NewsParquetWriter.type) + ": " + NewsParquetWriter.name:
                counts[WRITTEN] += int(metric.total)
    return counts


def clean_paths_datatrove(paths: Iterable[Path], out: Path, *, workers: int, max_bytes: int = MAX_FILE_BYTES,
                          max_rows: int = 50_000, logging_dir: str | Path | None = None) -> Outcomes:
    """``newsclean clean --workers N``: the same rows as ``clean_paths``, cleaned by N datatrove tasks."""
    import tempfile

    from datatrove.executor import LocalPipelineExecutor

    out = Path(out)
    if Dataset(out).single_file:
        raise ValueError("--workers > 1 writes one file per task: give a dataset folder, not a .parquet file")
    out.mkdir(parents=True, exist_ok=True)
    sweep_temporary(out)  # once, before any task writes (a task must not sweep another's .tmp)
    with tempfile.TemporaryDirectory(prefix="newsclean-datatrove-") as scratch:
        executor = LocalPipelineExecutor(
            clean_pipeline(paths, out, max_bytes=max_bytes, max_rows=max_rows),
            tasks=workers, workers=workers, logging_dir=str(logging_dir or scratch), skip_completed=False,
        )
        stats = executor.run()
    return outcomes(stats)
