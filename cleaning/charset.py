"""Bytes of an HTML page -> NFC text, honouring the page's own charset without trusting it blindly.

The one place that decides how a page's bytes become text (``decode_html``: bytes and the
HTTP header's charset in, text and how it was decided out). Order of evidence:
1. a byte-order mark (it is authoritative); UTF-16 without one is recognized by its NUL pattern;
2. valid UTF-8 with non-ASCII bytes: UTF-8, whatever the page declares. Random bytes of a
   legacy code page practically never form valid multi-byte UTF-8, while UTF-8 pages that
   declare ``windows-1252`` or ``iso-8859-1`` are common and decoding them as declared
   yields mojibake ("Viá»‡t Nam");
3. the charset of the HTTP ``Content-Type`` header when the bytes decode under it strictly
   (the transport layer ranks before the page's own declaration, as in browsers), unless it is
   a Western single-byte charset on bytes that read as Vietnamese windows-1258 (a server's
   default); then the declared charset (``<meta charset>``, ``<meta http-equiv=Content-Type>``,
   an XML declaration) when the bytes decode under it strictly and plausibly;
4. charset-normalizer's guess (it recognizes windows-1258 Vietnamese, GB18030, Shift-JIS...);
5. UTF-8 with replacement characters, so that the call never fails.

``decode_html`` does not compose: windows-1258 (and some Mac-made pages) carry Vietnamese tone
marks as combining characters, and the callers NFC-normalize what they keep (``nfc`` here, or
``cleaning.normalize.normalize_line`` on extracted lines), which is far cheaper than composing
a whole page of markup.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from cleaning.sniffing import utf16_without_bom

# Declarations sit in the head; 4 KiB covers nearly all, 16 KiB is generous for bloated heads.
_SNIFF_BYTES = 16_384
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]{2,40})""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# What browsers do (WHATWG Encoding): these labels mean windows-1252, which is a superset.
_ALIASES = {"iso-8859-1": "windows-1252", "latin1": "windows-1252", "latin-1": "windows-1252",
            "us-ascii": "windows-1252", "ascii": "windows-1252", "x-user-defined": "windows-1252",
            "unicode": "utf-8", "utf8": "utf-8"}


_SINGLE_BYTE = {codecs.lookup(name).name for name in (
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258",
    "latin-1", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-7", "iso8859-9",
    "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16", "koi8-r", "koi8-u",
    "mac-roman", "cp437", "cp850", "cp866", "tis-620", "cp874")}
_CHAOS_MARGIN = 0.02
_WESTERN_MARGIN = 0.05  # undeclared pages: prefer windows-1252 unless clearly worse (short Latin texts fool detection)


@dataclass(frozen=True)
class Decoded:
    """The text, the codec that produced it and how it was chosen (``bom``, ``utf16``, ``utf8``,
    ``header``, ``declared``, ``detected``, ``fallback``); ``declared`` is the page's own label."""

    text: str
    encoding: str
    how: str
    declared: str | None = None


def declared_charset(data: bytes) -> str | None:
    """The charset the page declares for itself in its head, as a Python codec name, or None."""
    head = data[:_SNIFF_BYTES]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return _normalized(match.group(1).decode("ascii", "replace")) if match else None


def _normalized(label: str) -> str | None:
    """A charset label as a Python codec name (WHATWG aliases applied), None when unknown."""
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _bom(data: bytes) -> tuple[str, int] | None:
    for mark, encoding in _BOMS:
        if data.startswith(mark):
            return encoding, len(mark)
    return None


def _utf8_prefix(sample: bytes) -> bool:
    """Is this cut-off sample valid UTF-8? (A character cut in two at its end does not count.)"""
    try:
        codecs.utf_8_decode(sample, "strict", False)
    except UnicodeDecodeError:
        return False
    return True


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _multibyte(encoding: str) -> bool:
    """Multi-byte codecs reject most wrong input by themselves; single-byte ones accept anything."""
    return codecs.lookup(encoding).name not in _SINGLE_BYTE


def _plausible(data: bytes, declared: str) -> bool:
    """Is a single-byte declaration as good as charset-normalizer's best reading of the bytes?

    Vietnamese windows-1258 declared (or defaulted) as windows-1252 decodes without error into
    Latin-looking garbage ("Viêòt"), so a strict decode proves nothing for these code pages.
    """
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return True
    declared_match = next((m for m in matches if codecs.lookup(m.encoding).name == declared), None)
    return declared_match is not None and declared_match.chaos <= best.chaos + _CHAOS_MARGIN


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess; windows-1252 (the browsers' default) when it reads as well."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    western = next((m for m in matches if m.encoding == "cp1252"), None)
    if western is not None and western.chaos <= best.chaos + _WESTERN_MARGIN:
        return "cp1252"
    return best.encoding


_MAY_COMPOSE = re.compile("[\u0300-\u036f\u1100-\u11ff\u3099\u309a]")


def nfc(text: str) -> str:
    """NFC. Text without combining marks or conjoining jamo is NFC already for any script that
    matters here, and a regex scan is far cheaper than ``unicodedata.is_normalized`` on a big page."""
    return unicodedata.normalize("NFC", text) if _MAY_COMPOSE.search(text) else text


_VIETNAMESE_ONLY = re.compile("[\u1ea0-\u1ef9\u01a0\u01a1\u01af\u01b0\u0102\u0103\u0110\u0111]")
_NON_ASCII_LETTER = re.compile(r"[^\W\d_\x00-\x7f]")


def _looks_cp1258(data: bytes) -> bool:
    """Do the bytes, read as windows-1258 and composed, give mostly Vietnamese-only letters?
    (Western text read as windows-1258 gives the same é/à/ü as windows-1252, none of them.)"""
    sample = data[:_SNIFF_BYTES * 16]
    try:
        text = unicodedata.normalize("NFC", sample.decode("cp1258"))
    except UnicodeDecodeError:
        return False
    letters = len(_NON_ASCII_LETTER.findall(text))
    return letters >= 20 and len(_VIETNAMESE_ONLY.findall(text)) >= 0.4 * letters


def header_charset(content_type: str | bytes | None) -> str | None:
    """The normalized charset of an HTTP ``Content-Type`` value, or None."""
    if not content_type:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    match = re.search(r"charset\s*=\s*[\"']?([a-zA-Z0-9_.:-]{2,40})", content_type, re.IGNORECASE)
    return _normalized(match.group(1)) if match else None


def decode_html(data: bytes, header: str | None = None) -> Decoded:
    """Decode a page's bytes to text (see the module docstring for the order of evidence).
    ``header``: the charset of the HTTP ``Content-Type`` header, when the page was fetched."""
    bom = _bom(data)
    if bom:
        encoding, skip = bom
        return Decoded(data[skip:].decode(encoding, "replace"), encoding, "bom")
    if utf16_without_bom(data[:4096]):
        encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        return Decoded(data.decode(encoding, "replace"), encoding, "utf16")
    declared = declared_charset(data)
    if declared in {"utf-16", "utf-16-le", "utf-16-be", "utf-32"}:
        declared = None  # a UTF-16 page without a BOM cannot hold an ASCII <meta>: the label is wrong
    if data.isascii():
        return Decoded(data.decode("ascii"), "ascii", "utf8", declared)
    text = _strict(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf8", declared)
    header = _usable(header)
    if header and header != "cp1258" and not _multibyte(header) and _looks_cp1258(data):
        header = None  # a server's default Western charset on a Vietnamese windows-1258 page
    if header and (text := _strict(data, header)) is not None:
        return Decoded(text, header, "header", declared)  # the transport layer ranks first, as in browsers
    if declared:
        text = _strict(data, declared)
        if text is not None and (_multibyte(declared) or _plausible(data, declared)):
            return Decoded(text, declared, "declared", declared)
    if _looks_cp1258(data):  # detection often prefers cp1250/cp1252 for these bytes
        return Decoded(data.decode("cp1258"), "cp1258", "detected", declared)
    detected = _detect(data)
    if detected:
        text = _strict(data, detected)
        if text is not None:
            return Decoded(text, detected, "detected", declared)
    return Decoded(data.decode("utf-8", "replace"), "utf-8", "fallback", declared)


def _usable(label: str | None) -> str | None:
    """A header charset worth trying: a codec Python knows, and not UTF-16 (a body in UTF-16
    carries a BOM or the NUL pattern, both seen before the header is asked)."""
    if not label or label.startswith(("utf-16", "utf-32", "utf_16", "utf_32")):
        return None
    return _normalized(label)


# --- Legacy Vietnamese encodings ---------------------------------------------------------------
# Before Unicode, Vietnamese was typed in VNI and TCVN3 (ABC) fonts: the bytes are those of a
# Western code page, read as windows-1252 they give "Vieät Nam" (VNI) or "ViÖt Nam" (TCVN3).
# No codec maps them back reliably (the font decides), so such pages are flagged, not stored.
# The evidence: the most frequent Vietnamese words in their legacy byte forms, whole words only.
_LEGACY_WORDS = {
    "vni": (b"va\xf8", b"la\xf8", b"cu\xfba", b"co\xf9", b"\xf1\xf6\xf4\xefc", b"ng\xf6\xf4\xf8i",
            b"nh\xf6\xf5ng", b"na\xf8y", b"mo\xe4t", b"\xf1a\xf5", b"kho\xe2ng", b"Vie\xe4t", b"nhie\xe0u",
            b"cu\xf5ng", b"ca\xf9c", b"tre\xean", b"\xf1e\xe1n", b"ve\xe0", b"the\xe1"),
    "tcvn3": (b"v\xb5", b"l\xb5", b"c\xf1a", b"c\xe3", b"\xae\xad\xeac", b"ng\xad\xeai", b"nh\xf7ng",
              b"n\xb5y", b"m\xe9t", b"\xae\xb7", b"kh\xabng", b"Vi\xd6t", b"nhi\xd2u", b"c\xfbng", b"c\xb8c",
              b"tr\xaan", b"\xae\xd5n", b"v\xd2", b"th\xd5"),
}
_LEGACY_RE = {name: re.compile(rb"(?<![A-Za-z0-9\x80-\xff])(" + b"|".join(map(re.escape, words))
                               + rb")(?![A-Za-z0-9\x80-\xff])")
              for name, words in _LEGACY_WORDS.items()}
_LEGACY_SAMPLE = 262_144
_UTF8_PROBE = 16_384
LEGACY_MIN_HITS, LEGACY_MIN_WORDS = 5, 3


def legacy_vietnamese(data: bytes | str) -> str | None:
    """``vni`` or ``tcvn3`` when the page is Vietnamese in a pre-Unicode font encoding, else None.

    A str (already decoded, e.g. as windows-1252) is re-encoded to windows-1252 first. Valid
    UTF-8 and ASCII are never legacy (these byte forms are not valid UTF-8)."""
    if isinstance(data, str):
        data = data[:_LEGACY_SAMPLE].encode("cp1252", "ignore")
    sample = data[:_LEGACY_SAMPLE]
    if sample.isascii():
        return None
    head = sample[:_UTF8_PROBE]  # non-ASCII text that is valid UTF-8 this far is UTF-8
    if _utf8_prefix(sample if head.isascii() else head):
        return None
    for name, pattern in _LEGACY_RE.items():
        if sum(word in sample for word in _LEGACY_WORDS[name]) < LEGACY_MIN_WORDS:
            continue  # substring tests run in C: the word-boundary regex only where it can match
        hits = pattern.findall(sample)
        if len(hits) >= LEGACY_MIN_HITS and len(set(hits)) >= LEGACY_MIN_WORDS:
            return name
    return None
