from __future__ import annotations

import codecs
import unicodedata

from cleaning import clean_html
from cleaning.charset import decode_html, declared_charset

VI = "Việt Nam đang đối phó với cú sốc năng lượng từ Trung Đông, giá xăng dầu tăng mạnh trong tuần qua và còn có thể tăng tiếp."
TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese software writes it: base letters precomposed, tone marks combining."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + "".join(c for c in parts if c in TONES))
    return "".join(out).encode("cp1258")


def page(body: bytes, declaration: str | None) -> bytes:
    meta = f'<meta charset="{declaration}">'.encode() if declaration else b""
    return b"<html><head>" + meta + b"<title>T</title></head><body><article><p>" + body + b"</p><p>" + body + b"</p></article></body></html>"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_declared_utf8_but_windows_1258_bytes():
    decoded = decode_html(page(to_1258(VI), "utf-8"))
    assert decoded.encoding == "cp1258" and VI in nfc(decoded.text)
    doc = clean_html(page(to_1258(VI), "utf-8"))
    assert VI in doc.text  # NFC out, though windows-1258 decodes to combining marks


def test_windows_1258_declared_as_windows_1252_is_detected():
    assert VI in nfc(decode_html(page(to_1258(VI), "windows-1252")).text)


def test_meta_only_and_http_equiv_declarations():
    assert VI in nfc(decode_html(page(to_1258(VI), "windows-1258")).text)
    french = "Le président a annoncé mercredi une réforme très attendue, déjà contestée par les syndicats."
    data = (b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body><p>'
            + french.encode("latin-1") + b"</p></body></html>")
    assert declared_charset(data) == "cp1252"
    assert french in decode_html(data).text


def test_no_declaration():
    assert VI in decode_html(page(VI.encode("utf-8"), None)).text
    french = "Le président a annoncé mercredi une réforme très attendue, déjà contestée."
    assert french in decode_html(page(french.encode("latin-1"), None)).text


def test_utf8_declared_as_latin1_is_not_garbled():
    assert VI in decode_html(page(VI.encode("utf-8"), "iso-8859-1")).text


def test_nfd_input_gives_nfc_output():
    doc = clean_html(page(unicodedata.normalize("NFD", VI).encode("utf-8"), "utf-8"))
    assert VI in doc.text and unicodedata.is_normalized("NFC", doc.text)


def test_boms():
    html = page(VI.encode("utf-8"), None).decode("utf-8")
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        decoded = decode_html(bom + html.encode(codec))
        assert decoded.how == "bom" and VI in decoded.text and not decoded.text.startswith("\ufeff")
    assert VI in clean_html(codecs.BOM_UTF16_LE + html.encode("utf-16-le")).text


def test_header_charset_is_read_from_content_type() -> None:
    from cleaning.charset import header_charset

    assert header_charset("text/html; charset=ISO-8859-1") == "cp1252"  # WHATWG: latin-1 means windows-1252
    assert header_charset(b'text/html;charset="windows-1258"') == "cp1258"
    assert header_charset("text/html") is None and header_charset(None) is None


def test_header_charset_decides_when_the_page_declares_nothing() -> None:
    data = to_1258(VI)  # windows-1258 bytes, no <meta>
    assert decode_html(data, "cp1258").how == "header"
    assert unicodedata.normalize("NFC", decode_html(data, "cp1258").text) == VI


def test_valid_utf8_wins_over_a_wrong_header() -> None:
    data = f"<p>{VI}</p>".encode("utf-8")
    assert decode_html(data, "cp1252").how == "utf8"


def test_header_charset_reaches_the_cleaner() -> None:
    from cleaning.html import process_html

    page = f"<html><body><article><h1>Tin tức</h1><p>{VI}</p><p>{VI}</p></article></body></html>"
    doc = process_html(to_1258(page), "https://example.vn/a", charset="cp1258")
    assert VI in doc.text


def test_a_western_header_on_vietnamese_windows_1258_bytes_is_overruled() -> None:
    decoded = decode_html(to_1258(f"<p>{VI}</p>"), "cp1252")  # a server's default charset
    assert decoded.encoding == "cp1258" and VI in unicodedata.normalize("NFC", decoded.text)
