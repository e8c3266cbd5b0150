"""`newsclean clean` end to end: real files, real Parquet, bad inputs counted and the batch finishes."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys

import pyarrow.parquet as pq
from click.testing import CliRunner

from cleaning.metrics import shingle_f1
from newsclean.cli import main
from tests.conftest import ROOT, SEEDS, SEEDS_GOLD, VNI, render, to_cp1258

NEWSCLEAN = [sys.executable, "-m", "newsclean"]


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_seeds_to_parquet_one_row_each_and_gold_quality(tmp_path):
    result = subprocess.run([*NEWSCLEAN, "clean", "seeds/", "-o", str(tmp_path / "seeds")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "written=3" in result.stdout
    rows = pq.read_table(tmp_path / "seeds").to_pylist()
    assert sorted(r["source"] for r in rows) == sorted(p.name for p in SEEDS.glob("*.txt"))
    for row in rows:
        gold = (SEEDS_GOLD / row["source"]).read_text()
        assert shingle_f1(render(type("R", (), row)), gold) >= 0.98
        assert row["language"] == "vi" and row["url"] is None and row["n_chars"] == len(row["text"])
    assert len({r["id"] for r in rows}) == 3


def test_bad_inputs_are_counted_and_the_batch_finishes(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "good.txt").write_bytes((SEEDS / "003_77c53a837fafe3c1.txt").read_bytes())
    legacy = to_cp1258((SEEDS / "001_dd910f78ebade2e5.txt").read_text())
    (src / "legacy-cp1258.txt").write_bytes(legacy)
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_bytes(b"  \n\t\n")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4000))
    (src / "nuls.txt").write_bytes(b"\x00" * 100_000)
    (src / "huge.txt").write_bytes(b"a " * 600_000)
    (src / "broken.html.gz").write_bytes(b"\x1f\x8b\x08\x00 not gzip at all")
    (src / "page.html.gz").write_bytes(gzip.compress(b"<html><body><h1>Tin</h1><p>" + b"Ok. " * 50 + b"</p></body></html>"))
    (src / "dangling.txt").symlink_to(src / "missing.txt")
    (src / "sub" / "loop").symlink_to(src, target_is_directory=True)
    (src / "notes.pdf").write_bytes(b"%PDF-1.4")
    (src / "legacy-vni.txt").write_bytes((VNI + "\n") .encode("cp1252") * 4)
    result = run("clean", str(src), "-o", str(tmp_path / "out"), "--max-file-bytes", "1000000", "--no-progress")
    assert result.exit_code == 0, result.output
    summary = result.output
    for reason in ("empty=2", "binary=2", "too_large=1", "unreadable=2", "legacy_encoding=1"):
        assert reason in summary, summary
    rows = pq.read_table(tmp_path / "out").to_pylist()
    sources = {r["source"] for r in rows}
    assert {"good.txt", "legacy-cp1258.txt"} <= sources
    legacy_row = next(r for r in rows if r["source"] == "legacy-cp1258.txt")
    assert "Thông cáo báo chí của Điện Kremlin" in legacy_row["text"]


def test_unwritable_output_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(main, ["clean", str(SEEDS), "-o", str(blocker / "out")])
    assert result.exit_code != 0
    assert "cannot write" in result.output


def test_every_command_has_help():
    for command in ([], ["clean"], ["demo"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_a_second_run_into_the_same_dataset_needs_overwrite_and_then_replaces_it(tmp_path):
    out = tmp_path / "out"
    assert run("clean", str(SEEDS), "-o", str(out), "--no-progress").exit_code == 0
    again = CliRunner().invoke(main, ["clean", str(SEEDS), "-o", str(out), "--no-progress"])
    assert again.exit_code != 0 and "--overwrite" in again.output
    assert pq.read_table(out).num_rows == 3
    assert run("clean", str(SEEDS), "-o", str(out), "--no-progress", "--overwrite").exit_code == 0
    assert pq.read_table(out).num_rows == 3 and len(list(out.glob("*.parquet"))) == 1


def test_file_names_that_are_not_utf8_are_cleaned_and_a_failure_is_one_log_line(tmp_path, caplog):
    src = tmp_path / "in"
    src.mkdir()
    seed = (SEEDS / "003_77c53a837fafe3c1.txt").read_bytes()
    latin1, sjis = os.fsdecode(b"caf\xe9.txt"), os.fsdecode("記事.txt".encode("shift_jis"))
    (src / latin1).write_bytes(seed)
    (src / sjis).write_bytes(seed)
    result = run("clean", str(src), "-o", str(tmp_path / "out"), "--no-progress")
    assert result.exit_code == 0, result.output
    assert "written=2" in result.output and "error" not in result.output
    rows = pq.read_table(tmp_path / "out").to_pylist()
    assert sorted(r["source"] for r in rows) == ["\\x8bL\\x8e\\x96.txt", "caf\\xe9.txt"]
    assert len({r["id"] for r in rows}) == 2 and all(r["text"] for r in rows)


def test_a_bug_on_one_file_is_one_log_line_not_a_traceback(tmp_path, caplog, monkeypatch):
    import cleaning.files

    src = tmp_path / "in"
    src.mkdir()
    (src / os.fsdecode(b"bad\xff.txt")).write_bytes((SEEDS / "003_77c53a837fafe3c1.txt").read_bytes())

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(cleaning.files, "process_text", broken)
    with caplog.at_level("WARNING"):
        result = run("clean", str(src), "-o", str(tmp_path / "out"), "--no-progress")
    assert result.exit_code == 0 and "error=1" in result.output
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and not errors[0].exc_info
    assert "bad\\xff.txt: RuntimeError: boom" in errors[0].getMessage()
