"""Files and writes (cases 24-26): `newsclean clean` over hostile inputs finishes; a writer killed
(SIGKILL), failing mid-file, or out of disk leaves every committed file intact and the folder
readable. More bad inputs: tests/newsclean/test_clean_command.py; a failed write:
tests/cleaning/test_parquet.py."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.faults.conftest import run_measured
from tests.servers import REPO, wait_until

WRITER = r"""
import os, sys, time
from cleaning.document import Document
from cleaning.dataset import DatasetWriter
out, rows_per_file, text_size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with DatasetWriter(out, max_rows=rows_per_file) as writer:
    i = 0
    while True:
        writer.write(Document(id=f"id{i}", source=f"s{i}", text="chữ %d " % i + os.urandom(text_size * (1 + i // rows_per_file)).hex()))  # files grow
        i += 1
        if i >= int(sys.argv[4]):
            break
print("done", i, flush=True)
"""


def run_writer(out: Path, rows_per_file: int, text_size: int, total: int, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(out), str(rows_per_file), str(text_size), str(total)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def assert_intact(out: Path, rows_per_file: int) -> int:
    files = sorted(out.glob("*.parquet"))
    for path in files:
        assert pq.read_table(path).num_rows == rows_per_file  # whole files only
    table = pq.read_table(out) if files else None
    return table.num_rows if table is not None else 0


def test_clean_over_hostile_files_finishes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.html").write_bytes((REPO / "crawler/demo/site/thoi-su/ha-noi-mo-rong-tuyen-xe-buyt-dien-101001.html").read_bytes())
    (src / "empty.html").write_bytes(b"")
    (src / "binary.html").write_bytes(os.urandom(50_000))
    with open(src / "huge.html", "wb") as handle:  # 2 GB, sparse: must not be read whole
        handle.truncate(2 * 1024 ** 3)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    (src / "bomb.html.gz").write_bytes(b"".join(compressor.compress(b"<p>" * 350_000) for _ in range(300)) + compressor.flush())
    os.mkfifo(src / "fifo.html")                           # would block a naive open()
    (src / "a.txt").symlink_to(src / "b.txt")              # a symlink loop
    (src / "b.txt").symlink_to(src / "a.txt")
    (src / "loopdir").symlink_to(src, target_is_directory=True)
    (src / "nul.txt").write_bytes(b"\x00" * 1_000_000)
    done = run_measured([sys.executable, "-m", "newsclean", "clean", str(src), "-o", str(tmp_path / "out"),
                         "--no-progress"], tmp_path, "clean", timeout=120)  # the FIFO would hang a naive open()
    assert done.returncode == 0, done.stderr[-3000:]
    # Neither the 2 GB file nor the 315 MB the bomb inflates to is ever held whole.
    assert done.peak_rss < 1024 ** 3, done.peak_rss
    summary = done.stdout + done.stderr
    for reason in ("written=1", "empty=1", "binary=2", "too_large=2", "unreadable=3"):
        assert reason in summary, summary
    assert len(pq.read_table(tmp_path / "out").to_pylist()) == 1


def test_sigkill_during_writes_leaves_committed_files_intact(tmp_path):
    out = tmp_path / "out"
    for attempt in range(3):
        before = len(list(out.glob("*.parquet")))
        writer = run_writer(out, rows_per_file=50, text_size=2000, total=10 ** 9)
        wait_until(lambda: len(list(out.glob("*.parquet"))) >= before + 2)
        time.sleep(0.013 * attempt)  # somewhere inside the next file's write
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        rows = assert_intact(out, 50)  # readable while the last file was being written
        assert rows >= 50 * (attempt + 1) * 2
    leftovers = list(out.glob(".*.tmp"))
    writer = run_writer(out, rows_per_file=50, text_size=10, total=50)
    assert writer.wait(60) == 0
    assert not list(out.glob(".*.tmp")) or not leftovers  # the next writer sweeps them
    assert_intact(out, 50)


def test_a_write_failing_mid_file_keeps_earlier_files(tmp_path):
    # RLIMIT_FSIZE: the kernel refuses a write past 3 MB in the middle of the third file.
    out = tmp_path / "out"
    code = ("import resource, signal, runpy, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (3_000_000, 3_000_000)); "
            "sys.argv = ['w'] + sys.argv[1:]; exec(sys.argv.pop(1))")
    done = subprocess.run([sys.executable, "-c", code, WRITER, str(out), "20", "10000", "400"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "done" not in done.stdout
    assert "File too large" in done.stderr or "EFBIG" in done.stderr or "OSError" in done.stderr, done.stderr[-2000:]
    rows = assert_intact(out, 20)
    assert rows >= 20
    assert not list(out.glob(".*.tmp"))


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)]).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (test_a_write_failing_mid_file covers a refused write)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)])


def test_disk_full_fails_loudly_and_keeps_committed_files(small_disk):
    out = small_disk / "out"
    writer = run_writer(out, rows_per_file=20, text_size=3000, total=100_000)
    assert writer.wait(120) != 0
    stderr = writer.stderr.read()
    assert "No space left on device" in stderr or "ENOSPC" in stderr, stderr[-2000:]
    rows = assert_intact(out, 20)
    assert rows >= 20
    assert not list(out.glob(".*.tmp"))
