"""Cleaning files into a Parquet dataset: the work behind ``newsclean clean``."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from cleaning.dataset import Dataset, DatasetWriter
from cleaning.document import Document, Dropped
from cleaning.files import clean_file, printable_source
from cleaning.pipeline import Outcomes
from cleaning.sources import MAX_FILE_BYTES, find_inputs
from cleaning.warc import is_warc
from newsclean.warc_batch import PROGRESS_FILE, WarcInput, clean_warcs, filtered

log = logging.getLogger(__name__)


def previous_outputs(out: Path) -> list[Path]:
    """Parquet files of an earlier run in the dataset folder ``out`` (a single ``.parquet``
    output is replaced in place, atomically, so it has none to remove)."""
    dataset = Dataset(out)
    return [] if dataset.single_file else dataset.files()


def clean_warc_paths(
    paths: Iterable[Path],
    warcs: list[WarcInput],
    out: Path,
    *,
    workers: int = 1,
    max_bytes: int = MAX_FILE_BYTES,
    max_rows: int = 50_000,
    filter_name: str | None = None,
    progress: bool = True,
    fresh: bool = True,
) -> Outcomes:
    """Clean the WARC files ``warcs`` (found under ``paths``) into ``out`` (``newsclean.warc_batch``).

    ``fresh``: forget the progress of an earlier run into ``out`` (--overwrite) instead of going
    on from it. Page files mixed with the WARC files are refused (ValueError): they have no
    resume, so a resumed run would write them twice.
    """
    pages = [item for item in find_inputs(list(paths)) if not is_warc(item.path)]
    if pages:
        raise ValueError(f"WARC files and page files ({pages[0].source}, ...) in one run: clean them into two datasets")
    if fresh:
        (Dataset(out).folder / PROGRESS_FILE).unlink(missing_ok=True)
    return clean_warcs(warcs, out, workers=workers, max_bytes=max_bytes, max_rows=max_rows, filter_name=filter_name,
                       progress=progress)


def clean_paths(
    paths: Iterable[Path],
    out: Path,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    max_rows: int = 50_000,
    progress: bool = True,
    filter_name: str | None = None,
) -> Outcomes:
    """Clean every input under ``paths`` into the dataset ``out``; return the outcome counts.
    ``filter_name`` ("fineweb2"): drop the rows that filter set rejects (``filter_reason``)."""
    outcomes = Outcomes()
    items = list(find_inputs(list(paths)))
    with DatasetWriter(out, max_rows=max_rows) as writer:
        for item in tqdm(items, desc="clean", unit="file", disable=not progress):
            try:
                result = clean_file(item, max_bytes)
            except Exception as error:  # a bug on one input must not end the batch: count it
                # One line per file; the traceback only with -vv (debug).
                log.error("failed on %s: %s: %s", printable_source(str(item.path)), type(error).__name__, error,
                          exc_info=log.isEnabledFor(logging.DEBUG))
                result = Dropped("error", f"{type(error).__name__}: {error}")
            result = filtered(result, filter_name)
            outcomes.record(result, printable_source(item.source))
            if isinstance(result, Document):
                writer.write(result)
    return outcomes
