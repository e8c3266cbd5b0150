"""The dataset card ``OUT/README.md``, in the Hugging Face convention.

A YAML header (the features, i.e. the Parquet schema; the data files; the languages; the row
count) so that ``datasets.load_dataset(OUT)`` reads the folder with no arguments, then what
produced the rows, their counts by language, site and ``filter_reason``, and the schema.

The card is opt-in (``newsclean clean --card``, or ``write_card(OUT)``): pyarrow's and pandas'
folder readers (``pq.read_table(OUT)``, ``pd.read_parquet(OUT)``) try to read every file whose
name does not start with ``.`` or ``_``, README.md included, so with a card in place they need
``ignore_prefixes=[".", "_", "README"]`` or the file list (README "Dataset card"). Once a folder
has a card, ``refresh_card`` (called by ``cleaning.dataset.commit_file``, the commit point
every writer goes through) rewrites it atomically after each committed Parquet file, so it
always describes the files that are there. A README.md that newsclean did not write is never
touched.
"""
from __future__ import annotations

import json
import logging
import os
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from cleaning.parquet import SCHEMA

log = logging.getLogger(__name__)

CARD_FILE = "README.md"
MARKER = "<!-- newsclean dataset card: rewritten by newsclean after each commit; edits are lost -->"
TOP_SITES = 50
_COUNTED = ("language", "domain", "filter_reason", "pipeline")


def feature_dtype(type_: pa.DataType) -> str:
    """The ``datasets`` Value dtype of an Arrow type (``timestamp[us, tz=UTC]``, ``float32``...)."""
    if pa.types.is_timestamp(type_):
        return f"timestamp[{type_.unit}, tz={type_.tz}]" if type_.tz else f"timestamp[{type_.unit}]"
    if pa.types.is_floating(type_):
        return f"float{type_.bit_width}"
    return "string" if pa.types.is_string(type_) else str(type_)


def _counts(files: list[Path]) -> tuple[int, int, dict[str, Counter]]:
    """(rows, their uncompressed bytes, {column: Counter of its values}) over ``files``."""
    rows, size, counts = 0, 0, {name: Counter() for name in _COUNTED}
    for path in files:
        meta = pq.read_metadata(path)
        size += sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        table = pq.read_table(path, columns=[c for c in _COUNTED if c in meta.schema.names])
        rows += table.num_rows
        for name in table.column_names:
            counts[name].update(table[name].to_pylist())
    return rows, size, counts


def _table(title: str, counter: Counter, limit: int | None = None) -> list[str]:
    lines = [f"| {title} | rows |", "|---|---|"]
    for value, count in counter.most_common(limit):
        lines.append(f"| {value if value is not None else '(none)'} | {count:,} |")
    if limit and len(counter) > limit:
        lines.append(f"| ({len(counter) - limit} more) | {sum(counter.values()) - sum(c for _, c in counter.most_common(limit)):,} |")
    return lines


def card_text(folder: Path) -> str:
    """The card of the dataset folder ``folder``, from the Parquet files in it now."""
    files = sorted(folder.glob("*.parquet"))
    rows, size, counts = _counts(files)
    languages = sorted(code for code in counts["language"] if code and code != "und")
    header = ["---", f"pretty_name: {json.dumps(folder.resolve().name)}"]
    if languages:
        header += ["language:"] + [f"- {json.dumps(code)}" for code in languages]
    header += ["tags:", "- newsclean", "configs:", "- config_name: default", "  data_files:",
               "  - split: train", '    path: "*.parquet"', "dataset_info:", "  features:"]
    for field in SCHEMA:
        header += [f"  - name: {field.name}", f"    dtype: {json.dumps(feature_dtype(field.type))}"]
    header += ["  splits:", "  - name: train", f"    num_bytes: {size}", f"    num_examples: {rows}", "---"]
    body = [
        f"# {folder.resolve().name}", "", MARKER, "",
        f"Clean article text made by newsclean: {rows:,} rows in {len(files)} Parquet files "
        "(`*.parquet`; files whose names start with `.` or `_` are not part of the data).", "",
        "Produced by: " + ("; ".join(f"`{p}`" for p in sorted(p for p in counts["pipeline"] if p)) or "(no rows yet)"),
        "",
        "Read it with `datasets.load_dataset(\"<this folder>\")`, DuckDB "
        "(`SELECT * FROM '<this folder>/*.parquet'`), or pyarrow/pandas given the files or "
        "`ignore_prefixes=['.', '_', 'README']` (this card is not a Parquet file).", "",
        "## Rows by language", "", *_table("language", counts["language"]), "",
        f"## Rows by site (the {TOP_SITES} largest)", "", *_table("site", counts["domain"], TOP_SITES), "",
        "## Rows by filter_reason (the first FineWeb-2 filter a row fails; none: passes)", "",
        *_table("filter_reason", counts["filter_reason"]), "",
        "## Schema", "", "| column | type |", "|---|---|",
        *(f"| {field.name} | {feature_dtype(field.type)} |" for field in SCHEMA), "",
        "What each column means: newsclean's README, \"Parquet schema\".", "",
    ]
    return "\n".join(header + [""] + body)


def has_card(folder: Path) -> bool:
    """Whether ``folder`` holds a card that newsclean wrote (and so keeps up to date)."""
    card = folder / CARD_FILE
    try:
        with open(card, encoding="utf-8") as handle:
            return MARKER in handle.read(8192)
    except (OSError, UnicodeDecodeError):
        return False


def write_card(folder: str | Path) -> Path:
    """Write (or rewrite) the card of the dataset folder ``folder`` atomically; return its path.
    Refuses (FileExistsError) to replace a README.md that newsclean did not write."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    card = folder / CARD_FILE
    if card.exists() and not has_card(folder):
        raise FileExistsError(f"{card} exists and was not written by newsclean")
    tmp = folder / f".{CARD_FILE}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(card_text(folder))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, card)
    return card


def refresh_card(committed: Path) -> None:
    """After ``committed`` entered its folder: rewrite the folder's card, when it has one of ours.
    A card that cannot be written is logged, never an error of the commit (the rows are in)."""
    folder = committed.parent
    if not has_card(folder):
        return
    try:
        write_card(folder)
    except Exception as error:  # noqa: BLE001 - the commit has happened; the card is a side file
        log.warning("dataset card of %s not rewritten: %s: %s", folder, type(error).__name__, error)
