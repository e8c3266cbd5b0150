"""Cleaning files into a Parquet dataset: the work behind ``newsclean clean``."""
from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

from cleaning.charset import decode_html, legacy_vietnamese
from cleaning.document import Document, Dropped, stable_id
from cleaning.html import process_html
from cleaning.dataset import Dataset, DatasetWriter
from cleaning.pipeline import Outcomes
from cleaning.sources import MAX_FILE_BYTES, InputFile, find_inputs, read_input
from cleaning.text import process_text
from cleaning.warc import is_warc
from newsclean.warc_batch import PROGRESS_FILE, WarcInput, clean_warcs, filtered

log = logging.getLogger(__name__)


def clean_file(item: InputFile, max_bytes: int = MAX_FILE_BYTES) -> Document | Dropped:
    """One input file -> a Document, or Dropped with the reason. Never raises for bad input."""
    data = read_input(item, max_bytes)
    if isinstance(data, Dropped):
        return data
    return clean_data(data, item.kind, item.source)


def printable_source(source: str) -> str:
    """A file path as valid text. A name that is not UTF-8 (an old archive's Latin-1 or
    Shift-JIS name) reaches Python with its bad bytes as lone surrogates (PEP 383), which no
    UTF-8 writer accepts; those bytes are written as ``\\xNN`` escapes instead: the same
    name always gives the same text (and id), and distinct names stay distinct."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(source).decode("utf-8", errors="backslashreplace")
    return source


def clean_data(data: bytes, kind: str, source: str) -> Document | Dropped:
    """The bytes of one input file (``kind`` "html" or "text") -> a Document, or Dropped.

    Shared by the single-process path and the datatrove steps, so both give the same rows.
    """
    source = printable_source(source)
    if kind == "html":
        result = process_html(data, source=source)
    elif legacy := legacy_vietnamese(data):  # VNI/TCVN3 font encodings: unreadable as text
        result = Dropped("legacy_encoding", legacy)
    else:
        result = process_text(decode_html(data).text, source)
    if isinstance(result, Document):
        # A file's id is the hash of its source path and its url is null (DESIGN.md), even
        # when the saved page names its canonical URL: two saved copies are two records.
        result.id, result.url = stable_id(source), None
    return result


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
