"""WARC input: `newsclean clean FILE.warc.gz --workers 2` against bare trafilatura on one core.

    .venv/bin/python benchmarks/warc.py [--devset ../shared/devset] [--responses 1000 5000] [--workers 2]

1. Writes, with warcio, a gzipped WARC per size: HTML responses made of the dev corpus pages
   (wcxb-dev, trafilatura-eval, vi) in turn, each at its own URL, a request record before each
   and an image response after every tenth (as crawls store them).
2. Runs `newsclean clean W.warc.gz -o OUT --workers N --no-progress` as a fresh process and
   samples the PSS of it and its children (the cleaning workers, their fork server) every
   0.2 s: peak memory of the whole run. Responses/s are the HTML responses over the wall time
   from start to exit (imports, the pool's start and the Parquet commit included).
3. Reads the same responses back with warcio and times ``trafilatura.extract(body)`` on each, in
   this process (one core): the yardstick. The ratio is ours over it. The box is shared, so
   the CPU seconds a response (all of newsclean's processes, sampled; trafilatura's process
   time) are printed too, and the ratio they give on ``--workers`` fully available cores.
The largest size is the speed figure; memory is compared across sizes (flat = the same).
"""
from __future__ import annotations

import argparse
import gzip
import io
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2_000


def devset_pages(devset: Path) -> list[bytes]:
    pages = []
    for corpus, folder in (("wcxb-dev", "html"), ("trafilatura-eval", "html"), ("vi", "pages")):
        for path in sorted((devset / corpus / folder).iterdir()):
            data = path.read_bytes()
            pages.append(gzip.decompress(data) if path.name.endswith(".gz") else data)
    return pages


def write_warc(path: Path, pages: list[bytes], responses: int) -> None:
    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for i in range(responses):
            url = f"https://site{i % 97}.example/news/{i}.html"
            writer.write_record(writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""),
                http_headers=StatusAndHeaders(f"GET /news/{i}.html HTTP/1.1", [("Host", f"site{i % 97}.example")],
                                              is_http_request=True)))
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(pages[i % len(pages)]),
                                                          http_headers=headers))
            if i % 10 == 9:
                image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"https://site{i % 97}.example/{i}.png", "response",
                                                              payload=io.BytesIO(PNG), http_headers=image))


def sample(root: psutil.Process, cpu: dict[int, float]) -> int:
    """PSS of ``root`` and its children now; their CPU seconds so far go into ``cpu`` (by pid)."""
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for process in processes:
        try:
            total += process.memory_full_info().pss
            times = process.cpu_times()
            cpu[process.pid] = times.user + times.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def run_newsclean(warc: Path, out: Path, workers: int) -> tuple[float, int, float, str]:
    """(wall seconds, peak PSS bytes of the process tree, its CPU seconds (as last sampled:
    a worker's last 0.2 s may be missing), the summary line)."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "newsclean", "clean", str(warc), "-o", str(out), "--workers", str(workers),
               "--no-progress"]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout:
        child = subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=subprocess.DEVNULL, text=True)
        watched, peak, cpu = psutil.Process(child.pid), 0, {}
        while child.poll() is None:
            peak = max(peak, sample(watched, cpu))
            time.sleep(0.2)
        elapsed = time.perf_counter() - start
        stdout.seek(0)
        summary = stdout.read().strip()
    if child.returncode:
        raise SystemExit(f"newsclean clean failed: {summary}")
    return elapsed, peak, sum(cpu.values()), summary


def trafilatura_seconds(warc: Path) -> tuple[float, float, int]:
    """(wall and CPU seconds spent in trafilatura.extract over the HTML responses, responses)."""
    import trafilatura

    trafilatura.extract("<html><body><p>warm up</p></body></html>")
    spent, cpu, count = 0.0, 0.0, 0
    with open(warc, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type != "response" or "html" not in (record.http_headers.get_header("Content-Type") or ""):
                continue
            body = record.content_stream().read()
            start, start_cpu = time.perf_counter(), time.process_time()
            trafilatura.extract(body)
            spent += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
            count += 1
    return spent, cpu, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--devset", type=Path, default=ROOT.parent / "shared" / "devset")
    parser.add_argument("--responses", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    pages = devset_pages(args.devset)
    print(f"{len(pages)} distinct dev corpus pages")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for responses in args.responses:
            warc = Path(tmp) / f"bench-{responses}.warc.gz"
            write_warc(warc, pages, responses)
            size = warc.stat().st_size
            elapsed, peak, cpu, summary = run_newsclean(warc, Path(tmp) / f"out-{responses}", args.workers)
            rows.append((responses, size, elapsed, peak, cpu, summary))
            print(f"{responses} responses ({size / 2**20:.0f} MB WARC): {elapsed:.1f} s, "
                  f"{responses / elapsed:.1f} responses/s, peak PSS {peak / 2**20:.0f} MB, CPU {cpu:.1f} s | {summary}")
        largest = Path(tmp) / f"bench-{args.responses[-1]}.warc.gz"
        spent, spent_cpu, count = trafilatura_seconds(largest)
    ours = args.responses[-1] / rows[-1][2]
    base = count / spent
    print("\n| responses | WARC MB | newsclean --workers {0} s | responses/s | peak PSS MB | CPU s |".format(args.workers))
    print("|---|---|---|---|---|---|")
    for responses, size, elapsed, peak, cpu, _ in rows:
        print(f"| {responses:,} | {size / 2**20:.0f} | {elapsed:.1f} | {responses / elapsed:.1f} | {peak / 2**20:.0f} "
              f"| {cpu:.1f} |")
    print(f"\ntrafilatura.extract, one core, the {count:,} responses of the largest WARC: {spent:.1f} s "
          f"(CPU {spent_cpu:.1f} s), {base:.1f} responses/s")
    print(f"newsclean --workers {args.workers} / trafilatura one core: {ours / base:.2f}x (wall time)")
    # What the box's load does not change: CPU seconds a response. On `workers` idle cores the
    # run would take its CPU time over `workers` (the main process's share is small).
    print(f"CPU a response: newsclean {1000 * rows[-1][4] / args.responses[-1]:.1f} ms (all processes), "
          f"trafilatura {1000 * spent_cpu / count:.1f} ms; at {args.workers} busy cores: "
          f"{(spent_cpu / count) * args.workers / (rows[-1][4] / args.responses[-1]):.2f}x")


if __name__ == "__main__":
    main()
