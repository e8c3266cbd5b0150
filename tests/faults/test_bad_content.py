"""Bad content (cases 14-22), on the cleaning library directly and through real crawls: binary bodies,
deep nesting, huge text nodes, empty pages, control characters, lying charsets, legacy Vietnamese
font encodings, language labels of degenerate text. The 11 MB text node and nesting 300/100k are
also in tests/cleaning/test_html.py."""
from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

import pytest

from cleaning import clean_text
from cleaning.document import Document, Dropped
from cleaning.html import process_html
from cleaning.language import detect_language
from cleaning.normalize import _CONTROL
from tests.conftest import TCVN3, VNI, to_cp1258, with_peak_memory
from tests.faults.conftest import assert_ok, crawl
from tests.servers import REPO

BODY = ("Hà Nội mở rộng mạng lưới xe buýt điện ra các huyện ngoại thành từ tháng bảy năm nay, "
        "theo kế hoạch của Sở Giao thông vận tải thành phố. ")


def cp1258(text: str) -> bytes:
    """windows-1258 carries Vietnamese tone marks as combining characters (decomposed text)."""
    return to_cp1258(text)


def page(paragraphs: list[str], head: str = '<meta charset="utf-8">', title: str = "Việt Nam phát triển") -> str:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head>{head}<title>{title}</title></head><body><article><h1>{title}</h1>{ps}</article></body></html>"


@pytest.mark.parametrize("body", [b"%PDF-1.7\n" + os.urandom(5000), b"\x89PNG\r\n\x1a\n" + os.urandom(5000),
                                  os.urandom(20000)], ids=["pdf", "png", "random"])
def test_binary_served_as_html_is_dropped(body):
    assert process_html(body) == Dropped("binary", process_html(body).detail)


@pytest.mark.parametrize("data,reason", [(b"", "empty"), (b" \n\t  \r\n" * 100, "empty"),
                                         (b"<html></html>", "no_article"), (b"\x00" * 1_000_000, "binary")],
                         ids=["empty", "whitespace", "html-only", "nul-megabyte"])
def test_empty_and_degenerate_pages(data, reason):
    result = process_html(data)
    assert isinstance(result, Dropped) and result.reason == reason


@pytest.mark.timeout(120)  # a hang guard
@pytest.mark.parametrize("depth,outcome", [(300, "deep_nesting"), (100_000, "too_deep"), (1_000_000, "too_large")])
def test_deep_nesting_is_flattened_or_dropped(depth, outcome):
    html = "<html><body>" + "<div>" * depth + "<p>" + BODY * 3 + "</p>" + "</div>" * depth + "</body></html>"
    result = process_html(html.encode())
    if outcome != "deep_nesting":  # 1M levels are 11 MB of markup: over the size cap first
        assert isinstance(result, Dropped) and result.reason == outcome
    else:
        assert isinstance(result, Document) and "deep_nesting" in result.flags and "Hà Nội" in result.text


def test_fifty_megabyte_page_is_refused_before_parsing():
    big = page([BODY]).encode() + b"<p>" + b"a" * (50 * 1024 * 1024) + b"</p>"
    result, peak = with_peak_memory(lambda: process_html(big))
    assert result.reason == "too_large" and result.detail.startswith(f"{len(big)} > ")
    assert peak < 1024 * 1024, peak  # judged on the raw bytes: nothing decoded (50 MB of text) or parsed


def test_nuls_and_control_characters_never_reach_the_text():
    dirty = [BODY.replace("xe buýt", "xe\x00 buýt\x07\x1b[31m") + "\x0b\x0c\x7f\x9f\u200b\ufeff", BODY * 2]
    doc = process_html(page(dirty).encode())
    assert isinstance(doc, Document)
    assert not _CONTROL.search(doc.text) and not _CONTROL.search(doc.title or "")
    assert "xe buýt" in doc.text
    doc = clean_text("Tiêu đề bài\x00 viết\n\n" + "\n".join(dirty))
    assert doc is None or not _CONTROL.search(doc.text)


VIETNAMESE = "Việt Nam là một quốc gia nằm ở Đông Nam Á, có dân số hơn một trăm triệu người và đang phát triển nhanh."


@pytest.mark.parametrize("label,data", [
    ("cp1258-meta-only", cp1258(page([VIETNAMESE] * 4, '<meta charset="windows-1258">'))),
    ("cp1258-lying-meta", cp1258(page([VIETNAMESE] * 4, '<meta charset="iso-8859-1">'))),
    ("cp1258-no-declaration", cp1258(page([VIETNAMESE] * 4, ""))),
    ("utf8-nfd", unicodedata.normalize("NFD", page([VIETNAMESE] * 4)).encode()),
])
def test_charsets_decode_to_nfc_vietnamese(label, data):
    doc = process_html(data)
    assert isinstance(doc, Document), doc
    assert "Việt Nam là một quốc gia" in doc.text, doc.text[:200]
    assert unicodedata.is_normalized("NFC", doc.text)


@pytest.mark.parametrize("text,name", [(VNI, "vni"), (TCVN3, "tcvn3")])
@pytest.mark.parametrize("head", ['<meta charset="windows-1252">', ""])
def test_legacy_vietnamese_font_encodings_are_flagged_not_stored(text, name, head):
    data = page([text] * 4, head, title="Tin").encode("cp1252")
    assert process_html(data) == Dropped("legacy_encoding", name)


def test_real_vietnamese_and_western_pages_are_not_legacy():
    for data in (page([VIETNAMESE] * 4).encode(), cp1258(page([VIETNAMESE] * 4, "")),
                 page(["Les élèves étaient très occupés à l'école, où ça va bien. Müller über Größe."] * 4, title="Nouvelles").encode("cp1252")):
        assert isinstance(process_html(data), Document)


@pytest.mark.parametrize("text", ["", "   ", "12345 678 90", "https://vnexpress.net/a-1.html http://x.vn", "Hà Nội", "ok"])
def test_language_of_degenerate_text_is_und_and_stable(text):
    assert detect_language(text) == ("und", 0.0)


def test_language_labels_are_the_same_in_every_process():
    texts = ["Hà Nội mở rộng mạng lưới xe buýt", "Short text in English here", "12345", BODY, "Xin chào bạn nhé"]
    code = ("import json, sys; from cleaning.language import detect_language; "
            "print(json.dumps([detect_language(t) for t in json.loads(sys.argv[1])]))")
    import json

    runs = {subprocess.run([sys.executable, "-c", code, json.dumps(texts)], cwd=REPO, capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3)}
    assert len(runs) == 1 and runs.pop().startswith("[[")


POLISH = [
    "Wójt gminy przedstawił w środę projekt remontu szkół podstawowych, który będzie kosztował prawie dwanaście milionów złotych.",
    "Rodzice uczniów, zebrani na walnym zgromadzeniu, z zadowoleniem przyjęli długo oczekiwaną decyzję, choć niepokoi ich harmonogram prac.",
    "Według zastępczyni odpowiedzialnej za edukację pierwsze odnowione klasy przyjmą uczniów już we wrześniu. Źródło: gazeta.",
]


def test_bad_content_through_a_crawl(tmp_path, fault_server):
    files = {
        "nul": (page([BODY.replace("điện", "điện\x00\x01\x02") , BODY * 2]).encode(), "text/html; charset=utf-8"),
        "cp1258": (cp1258(page([VIETNAMESE] * 4, '<meta charset="windows-1258">')), "text/html; charset=utf-8"),
        "vni": (page([VNI] * 4, title="Tin").encode("cp1252"), "text/html"),
        "deep": (("<html><body>" + "<div>" * 100_000 + BODY + "</div>" * 100_000 + "</body></html>").encode(), "text/html"),
        "empty": (b"", "text/html"), "nuls": (b"\x00" * 1_000_000, "text/html"),
        # no <meta>: only the header names the charset (detection alone reads these bytes as windows-1252)
        "header": (page(POLISH[:2], head="", title="Remont szkół").encode("iso-8859-2"), "text/html; charset=ISO-8859-2"),
    }
    content = {}
    for name, (body, ctype) in files.items():
        (tmp_path / name).write_bytes(body)
        content[name] = {"file": str(tmp_path / name), "headers": {"Content-Type": ctype}}
    feeds = [f"/content/{name}/a-1000{i:02d}.html" for i, name in enumerate(files)]
    feeds += ["/binary/pdf/a-200001.html", "/binary/png/a-200002.html", "/binary/random/a-200003.html"]
    server = fault_server({"feeds": {"f": feeds}, "content": content})
    run = crawl(tmp_path, [server.base + "/feed/f.xml"])
    assert_ok(run)
    rows = {r["url"].removeprefix(server.base): r for r in run.rows()}
    assert set(rows) == {"/content/nul/a-100000.html", "/content/cp1258/a-100001.html", "/content/header/a-100006.html"}
    for row in rows.values():
        assert not _CONTROL.search(row["text"])
    assert "Việt Nam là một quốc gia" in rows["/content/cp1258/a-100001.html"]["text"]
    assert POLISH[0] in rows["/content/header/a-100006.html"]["text"]
    assert run.site("skipped/binary") == 4  # 1 MB of NULs, pdf, png, random
    assert run.site("skipped/legacy_encoding") == 1
    assert run.site("skipped/too_deep") == 1
    assert run.site("skipped/empty") == 1
