from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from cleaning import clean_text
from cleaning.dataset import (
    QUARANTINE,
    Dataset,
    DatasetLock,
    DatasetWriter,
    commit_file,
    quarantine,
    readable,
    remove_rows,
    sweep_temporary,
    temporary_name,
    write_table_atomically,
)
from cleaning.parquet import SCHEMA, documents_to_table
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


def test_a_folder_and_a_single_file_are_told_apart_in_one_place(tmp_path):
    folder, single = Dataset(tmp_path / "out"), Dataset(tmp_path / "one.parquet")
    assert not folder.single_file and folder.folder == tmp_path / "out"
    assert single.single_file and single.folder == tmp_path
    assert folder.part("run", 3) == tmp_path / "out" / "part-run-00003.parquet"
    assert single.part("run", 3) == tmp_path / "one.parquet"
    assert Dataset(folder) == folder and folder.files() == [] and single.files() == []


def test_files_lists_committed_files_only(tmp_path):
    with DatasetWriter(tmp_path, max_rows=1) as writer:
        for doc in docs()[:2]:
            writer.write(doc)
    (tmp_path / ".part-x-00000.parquet.tmp").write_bytes(b"torn")
    (tmp_path / QUARANTINE).mkdir()
    (tmp_path / QUARANTINE / "old.parquet").write_bytes(b"foreign")
    assert [path.name for path in Dataset(tmp_path).files()] == [c.path.name for c in writer.committed]


def test_commit_file_renames_a_finished_temporary_file_into_place(tmp_path):
    path = tmp_path / "a.parquet"
    tmp = temporary_name(path)
    tmp.write_bytes(b"whole")
    commit_file(tmp, path)
    assert path.read_bytes() == b"whole" and not tmp.exists()


def test_a_failed_commit_removes_the_temporary_file_and_leaves_the_old_file(tmp_path):
    path = tmp_path / "a.parquet"
    write_table_atomically(documents_to_table(docs()[:1]), path)
    tmp = temporary_name(tmp_path / "missing" / "a.parquet")  # its folder does not exist
    with pytest.raises(OSError):
        commit_file(tmp, tmp_path / "missing" / "a.parquet")
    assert pq.read_table(path).num_rows == 1


def test_hooks_run_around_each_commit_and_a_refusing_hook_keeps_the_file_out(tmp_path):
    seen = []

    def refuse(path, ids):
        seen.append(("before", path.name, ids))
        raise ValueError("no")

    writer = DatasetWriter(tmp_path, before_commit=refuse, on_commit=lambda c: seen.append(("after", c)))
    doc = docs()[0]
    writer.write(doc)
    with pytest.raises(ValueError):
        writer.commit()
    assert seen == [("before", writer.dataset.part(writer.run_id, 0).name, (doc.id,))]
    assert Dataset(tmp_path).files() == [] and pq.read_table(tmp_path).num_rows == 0


def test_an_empty_folder_dataset_gets_one_empty_file_through_the_hooks(tmp_path):
    committed = []
    DatasetWriter(tmp_path, run_id="r", empty_file=True, on_commit=committed.append).close()
    assert [c.path.name for c in committed] == ["part-r-empty.parquet"] and committed[0].ids == ()
    assert pq.read_table(tmp_path).schema.equals(SCHEMA)
    DatasetWriter(tmp_path, run_id="s", empty_file=True).close()  # the folder holds a file already
    assert len(Dataset(tmp_path).files()) == 1


def test_quarantine_moves_a_file_out_of_the_dataset_without_deleting_it(tmp_path):
    write_table_atomically(documents_to_table(docs()[:1]), tmp_path / "a.parquet")
    (tmp_path / "torn.parquet").write_bytes(b"PAR1 torn")
    assert readable(tmp_path / "a.parquet") and not readable(tmp_path / "torn.parquet")
    moved = quarantine(tmp_path / "torn.parquet")
    assert moved == tmp_path / QUARANTINE / "torn.parquet" and moved.read_bytes() == b"PAR1 torn"
    assert pq.read_table(tmp_path).num_rows == 1 and Dataset(tmp_path).read_problem() is None


def test_remove_rows_rewrites_or_deletes_the_file(tmp_path):
    two, one = docs()[:2], docs()[2:]
    write_table_atomically(documents_to_table(two), tmp_path / "a.parquet")
    write_table_atomically(documents_to_table(one), tmp_path / "b.parquet")
    remove_rows(tmp_path / "a.parquet", {two[0].id})
    remove_rows(tmp_path / "b.parquet", {one[0].id})
    remove_rows(tmp_path / "gone.parquet", {one[0].id})
    assert [p.name for p in Dataset(tmp_path).files()] == ["a.parquet"]
    assert pq.read_table(tmp_path)["id"].to_pylist() == [two[1].id]


def test_ids_by_file_reports_an_id_in_two_files(tmp_path):
    doc = docs()[0]
    write_table_atomically(documents_to_table([doc]), tmp_path / "a.parquet")
    write_table_atomically(documents_to_table([doc]), tmp_path / "b.parquet")
    where, problems = Dataset(tmp_path).ids_by_file()
    assert where == {doc.id: "b.parquet"} and problems == [f"id {doc.id} in a.parquet and b.parquet"]


def test_the_lock_is_exclusive_and_released(tmp_path):
    with DatasetLock(tmp_path / "out"):
        with pytest.raises(RuntimeError, match="another crawl"):
            with Dataset(tmp_path / "out").lock():
                pass
    with DatasetLock(tmp_path / "out" / "x.parquet"):  # a single file: its folder is locked
        pass


def test_parts_are_the_files_of_one_writer_run(tmp_path):
    DatasetWriter(tmp_path, run_id="a", empty_file=True).close()
    with DatasetWriter(tmp_path, run_id="a-r00001", max_rows=1) as writer:
        for doc in docs()[:2]:
            writer.write(doc)
    assert [p.name for p in Dataset(tmp_path).parts("a-r00001")] == ["part-a-r00001-00000.parquet",
                                                                      "part-a-r00001-00001.parquet"]
    assert [p.name for p in Dataset(tmp_path).parts("a")] == ["part-a-empty.parquet"]
    assert Dataset(tmp_path / "x.parquet").parts("a") == []
