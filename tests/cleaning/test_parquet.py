from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from cleaning import clean_text
from cleaning.parquet import SCHEMA, DatasetWriter, sweep_temporary
from tests.conftest import SEEDS


def docs():
    return [clean_text(p.read_text(), p.name) for p in sorted(SEEDS.glob("*.txt"))]


def test_dataset_readable_by_pyarrow_pandas_duckdb(tmp_path):
    with DatasetWriter(tmp_path / "out", max_rows=2) as writer:
        for doc in docs():
            writer.write(doc)
    files = sorted((tmp_path / "out").glob("*.parquet"))
    assert len(files) == 2 and not list((tmp_path / "out").glob(".*.tmp"))
    table = pq.read_table(tmp_path / "out")
    assert table.schema.equals(SCHEMA) and table.num_rows == 3
    assert len(pd.read_parquet(tmp_path / "out")) == 3
    count = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/out/*.parquet')").fetchall()[0][0]
    assert count == 3
    assert pq.ParquetFile(files[0]).metadata.row_group(0).column(0).compression == "ZSTD"


def test_single_file_output_and_timestamps_in_utc(tmp_path):
    doc = docs()[1]
    doc.published = datetime(2021, 1, 26, 20, 0, tzinfo=timezone.utc)
    with DatasetWriter(tmp_path / "one.parquet") as writer:
        writer.write(doc)
    row = pq.read_table(tmp_path / "one.parquet").to_pylist()[0]
    assert row["published"] == doc.published and row["title"] == doc.title


def test_a_failed_write_leaves_no_file_and_earlier_files_intact(tmp_path):
    writer = DatasetWriter(tmp_path, max_rows=1)
    writer.write(docs()[0])  # committed at once
    bad = docs()[1]
    bad.n_chars = 2**40  # does not fit int32: pyarrow raises while building the table
    with pytest.raises(Exception):
        writer.write(bad)
    assert len(list(tmp_path.glob("*.parquet"))) == 1 and not list(tmp_path.glob(".*.tmp"))
    assert pq.read_table(tmp_path).num_rows == 1


def test_orphaned_temporary_files_are_swept(tmp_path):
    (tmp_path / ".part-x-00000.parquet.tmp").write_bytes(b"PAR1 torn")
    assert pq.read_table(tmp_path).num_rows == 0  # readers skip the hidden temporary file
    assert sweep_temporary(tmp_path) == 1
    DatasetWriter(tmp_path).close()
    assert not list(tmp_path.iterdir())


def test_dataset_readable_by_hugging_face_datasets(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    with DatasetWriter(tmp_path / "out") as writer:
        for doc in docs():
            writer.write(doc)
    loaded = datasets.load_dataset("parquet", data_dir=str(tmp_path / "out"), split="train",
                                   cache_dir=str(tmp_path / "cache"))
    assert loaded.num_rows == 3 and set(SCHEMA.names) <= set(loaded.column_names)


def test_single_file_output_exists_with_its_schema_when_nothing_was_written(tmp_path):
    DatasetWriter(tmp_path / "none.parquet").close()
    table = pq.read_table(tmp_path / "none.parquet")
    assert table.num_rows == 0 and table.schema.equals(SCHEMA)
