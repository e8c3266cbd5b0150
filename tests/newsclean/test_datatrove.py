"""Batch cleaning on datatrove: `newsclean clean --workers 2` gives the rows of the single-process clean.

Everything is real: the datatrove LocalPipelineExecutor with a process pool, our steps, Parquet on disk.
"""
from __future__ import annotations

import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from datatrove.executor import LocalPipelineExecutor

from cleaning.html import process_html
from newsclean.datatrove_steps import NewsCleanStep, NewsParquetWriter, NewsWarcReader, clean_pipeline, outcomes
from tests.conftest import DEVSET, ROOT, SEEDS

NEWSCLEAN = [sys.executable, "-m", "newsclean"]
COMPARED = ("id", "source", "url", "title", "author", "published", "text", "language", "language_score",
            "n_chars", "n_words", "content_hash", "fetched_at")


def make_inputs(root: Path) -> Path:
    src = root / "in"
    (src / "devset" / "deeper").mkdir(parents=True)
    for seed in SEEDS.glob("*.txt"):
        (src / seed.name).write_bytes(seed.read_bytes())
    pages = sorted((DEVSET / "pages").glob("*.html"))
    for page in pages:
        (src / "devset" / page.name).write_bytes(page.read_bytes())
    (src / "devset" / "deeper" / f"{pages[0].stem}.html.gz").write_bytes(gzip.compress(pages[0].read_bytes()))
    (src / "devset" / "deeper" / "copy.htm").write_bytes(pages[-1].read_bytes())
    # bad inputs, each counted under its reason by both paths
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2000))
    (src / "broken.html.gz").write_bytes(b"\x1f\x8b\x08\x00 not gzip")
    (src / "huge.txt").write_bytes(b"a " * 600_000)
    (src / "no-body.html").write_bytes(b"<html><head><title>x</title></head><body></body></html>")
    (src / "dangling.txt").symlink_to(src / "missing.txt")
    return src


def clean(src: Path, out: Path, *extra: str) -> str:
    result = subprocess.run([*NEWSCLEAN, "clean", str(src), "-o", str(out), "--no-progress",
                             "--max-file-bytes", "1000000", *extra],
                            cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def rows_by_source(out: Path) -> dict[str, dict]:
    """Rows keyed by source path (HTML copies of one page share an id: it hashes the page's canonical URL)."""
    rows = pq.read_table(out).to_pylist()
    by_source = {row["source"]: {key: row[key] for key in COMPARED} for row in rows}
    assert len(by_source) == len(rows), "a file was written twice"
    return by_source


def summary(stdout: str) -> str:
    return stdout.split("inputs: ", 1)[1].split(" -> ", 1)[0]


def test_workers_2_on_datatrove_gives_the_single_process_rows(tmp_path):
    src = make_inputs(tmp_path)
    single = clean(src, tmp_path / "single")
    parallel = clean(src, tmp_path / "parallel", "--workers", "2")
    assert summary(parallel) == summary(single), (single, parallel)
    for reason in ("written=10", "empty=1", "binary=1", "too_large=1", "unreadable=2", "no_article=1"):
        assert reason in single, single
    expected, got = rows_by_source(tmp_path / "single"), rows_by_source(tmp_path / "parallel")
    assert len(expected) == 10
    assert got == expected
    files = sorted(p.name for p in (tmp_path / "parallel").glob("*.parquet"))
    assert len(files) == 2 and {f.split("-r")[1][:5] for f in files} == {"00000", "00001"}, files
    assert not list((tmp_path / "parallel").glob(".*.tmp"))


def test_a_task_run_again_replaces_its_files(tmp_path):
    """datatrove re-runs a task that did not complete; with the same run_id its files are replaced, not doubled."""
    src = make_inputs(tmp_path)
    out = tmp_path / "out"
    for _ in range(2):
        executor = LocalPipelineExecutor(clean_pipeline([src], out, max_bytes=1_000_000, max_rows=3, run_id="fixed"),
                                         tasks=2, workers=1, logging_dir=str(tmp_path / "logs"), skip_completed=False)
        counts = outcomes(executor.run())
        assert counts["written"] == 10 and counts["no_article"] == 1
    assert len(rows_by_source(out)) == 10
    assert len(list(out.glob("part-fixed-r*.parquet"))) == 4  # 5 rows per task, 3 rows per file


def write_warc(path: Path, pages: list[tuple[str, bytes]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
        image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://example.vn/a.png", "response",
                                                      payload=io.BytesIO(b"\x89PNG"), http_headers=image))


def test_warc_records_clean_as_crawled_pages(tmp_path):
    pages = [(f"https://example.vn/{p.stem}.html", p.read_bytes()) for p in sorted((DEVSET / "pages").glob("*.html"))]
    (tmp_path / "warc").mkdir()
    write_warc(tmp_path / "warc" / "crawl.warc.gz", pages)
    out = tmp_path / "out"
    executor = LocalPipelineExecutor([NewsWarcReader(str(tmp_path / "warc")), NewsCleanStep(), NewsParquetWriter(out)],
                                     tasks=1, logging_dir=str(tmp_path / "logs"))
    counts = outcomes(executor.run())
    assert counts["written"] == len(pages)
    rows = {row["url"]: row for row in pq.read_table(out).to_pylist()}
    for url, body in pages:
        doc = process_html(body, url=url, source=url)
        row = rows[doc.url]
        assert (row["id"], row["text"], row["content_hash"], row["title"]) == (doc.id, doc.text, doc.content_hash,
                                                                              doc.title)
        assert row["fetched_at"] is not None
