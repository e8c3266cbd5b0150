"""HtmlPool: per-page time limit in long-lived workers, timed-out workers replaced, none leaked."""
from __future__ import annotations

import psutil

from cleaning import Document, Dropped
from cleaning.limits import HtmlPool
from tests.cleaning.pages import page


def test_pool_results_timeout_and_no_leak():
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    html = page().encode("utf-8")
    with HtmlPool(workers=2, timeout=30) as pool:
        results = list(pool.map([(html, None, None), (b"", None, None), (html, "https://a.vn/x.html", None)]))
        assert isinstance(results[0], Document) and isinstance(results[2], Document)
        assert isinstance(results[1], Dropped) and results[1].reason == "empty"
        # A page that takes seconds against a limit of 0.3 s: no scheduling delay can blur it.
        slow_page = "<html><body>" + "".join(f"<div><p>Đoạn {i}: " + "chữ " * 60 + "</p></div>" for i in range(25_000))
        pool.timeout = 0.3
        assert pool.process(slow_page.encode()) == Dropped("clean_timeout", "over 0.3 s")
        assert pool.replaced == 1
        pool.timeout = 30
        assert isinstance(pool.process(html), Document)  # the replacement worker serves
    leaked = [p for p in me.children(recursive=True) if p.pid not in before and _alive(p)]
    # multiprocessing's own helpers live as long as this process: one forkserver, one resource tracker
    helpers = [p for p in leaked if any(name in " ".join(_cmdline(p)) for name in ("resource_tracker", "forkserver"))]
    assert len(helpers) == len(leaked) <= 2, leaked


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:  # it exited while we looked: not leaked
        return False


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.NoSuchProcess:
        return []


def test_forkserver_preload_warms_the_whole_extractor() -> None:
    """The warm-up page goes through every step (a Document with its lead, body and no clutter),
    so the first-call costs are paid once in the forkserver, not in each worker."""
    from cleaning.worker_preload import WARM_UP_DOCUMENT

    assert isinstance(WARM_UP_DOCUMENT, Document)
    assert WARM_UP_DOCUMENT.title == "Khởi động bộ làm sạch" and WARM_UP_DOCUMENT.language == "vi"
    assert "Tin liên quan" not in WARM_UP_DOCUMENT.text and "Phiên bản di động" not in WARM_UP_DOCUMENT.text
    assert len(WARM_UP_DOCUMENT.text.splitlines()) >= 3


def test_pool_passes_the_header_charset_to_the_cleaner() -> None:
    from cleaning.limits import HtmlPool

    text = "Café crème et façade naïve : le garçon répète déjà sa leçon préférée à l'école. " * 4
    page = f"<html><body><article><h1>Un titre</h1><p>{text}</p><p>{text}</p></article></body></html>"
    data = page.encode("cp1252")
    with HtmlPool(workers=1) as pool:
        doc = pool.process(data, "https://example.fr/a", None, "cp1252")
    assert "Café crème" in doc.text
