"""HTML page -> Document: guarded decode and parse, trafilatura's own extraction on the page,
then what it lets through removed and what it misses put back, each step checked.

Steps of ``process_html`` (each drop has a counted reason):

1. guards on the raw input: ``empty``, ``too_large`` (``MAX_BYTES``), ``binary`` (NUL bytes,
   magic numbers of PDF/PNG/JPEG/GIF/zip/gzip/...);
2. decode (``cleaning.charset``: BOM, UTF-8, the declared charset, detection) to NFC text;
3. parse once with lxml; nesting deeper than libxml2's 256 levels makes it silently drop the
   rest of the page, so that is detected from the parser's error log and the page re-parsed
   with the huge-tree option (2048 levels), then flattened below ``MAX_DEPTH`` and flagged
   ``deep_nesting``; deeper still -> ``too_deep``;
4. metadata (``cleaning.metadata``) and page signals (``cleaning.pagekind``) from the intact tree;
5. the ``[html]`` vocabulary of ``lexicon.toml`` marks clutter containers (related boxes, share
   bars, tags, ads, bylines) outside the article's own containers, without removing them;
   figure captions are sorted: credited sentences are kept, credits and labels are clutter;
6. trafilatura with its default cascade (its extractor compared with readability and jusText)
   on the parsed tree: the base that newsclean never falls far below, whatever the page;
7. the lines of marked containers dropped (``drop_clutter``: a container holding over a quarter
   of the text, or clutter over half of it, is refused as a misleading name), kept captions put
   back beside their paragraphs, the lead put back when it stands beside the headline, then
   ``cleaning.text.clean_lines`` (refused when it would keep under ``MIN_KEPT_SHARE`` of the
   text) and the common ``FINAL_STAGES``.

Why marking and not pruning before extraction: a class name is weak evidence. WordPress puts
``tag-<slug>`` classes on the ``<article>``, themes name main columns ``sidebar-first``; a
pruned container is lost with everything in it, and the extractor then picks a sidebar. A
marked container can only cost the lines it holds, within the guards above.
"""
from __future__ import annotations

import gzip
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path

import trafilatura
from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from cleaning.charset import declared_charset, decode_html, legacy_vietnamese
from cleaning.document import Document, Dropped, stable_id
from cleaning.lexicon import fold
from cleaning.metadata import PageMeta, extract_metadata
from cleaning.normalize import normalize_line
from cleaning.pagekind import page_signals
from cleaning.pipeline import run_stages
from cleaning.stages import FINAL_STAGES, registered_domain
from cleaning.text import clean_lines

LEXICON_PATH = Path(__file__).with_name("lexicon.toml")
MAX_BYTES = 10 * 1024 * 1024        # input size cap, checked before anything is decoded or parsed
MAX_DEPTH = 200                     # deeper elements are flattened into their ancestor's text
MAX_CACHED_VERDICTS = 65_536        # attribute values whose verdict is kept between pages
LIBXML_DEPTH_ERROR = "Excessive depth"
_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b",
          b"BZh", b"7z\xbc\xaf", b"Rar!", b"\x7fELF", b"MZ", b"OggS", b"ID3", b"\x00asm", b"wOFF", b"wOF2",
          b"\xfd7zXZ", b"\x28\xb5\x2f\xfd", b"RIFF", b"\x00\x00\x01\x00", b"\xd0\xcf\x11\xe0")
_CONTROL_BYTES = frozenset([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])  # never in text, ~9% of random bytes
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)  # deleted to count the control bytes
_C0_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls but tab, LF, CR; DEL
_NOT_C0 = bytes(b for b in range(256) if not _C0_TEXT.match(chr(b)))  # deleted to find the C0 bytes
_C0_TABLE = {**{c: None for c in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F)}, 0x0B: " ", 0x0C: " "}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_RIGHT_ALIGNED = re.compile(r"text-align\s*:\s*right", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


#: Counts of notable events in this process (pages flattened, charsets detected...), by name.
EVENTS: Counter[str] = Counter()


# --------------------------------------------------------------------------- vocabulary

@dataclass(frozen=True)
class HtmlLexicon:
    """The ``[html]`` section of ``lexicon.toml``, compiled."""

    attributes: tuple[str, ...]
    prune: re.Pattern[str]
    byline: re.Pattern[str]
    lead: re.Pattern[str]
    caption: re.Pattern[str]
    credit: re.Pattern[str]
    caption_min_words: int
    caption_min_chars: int
    naive_time_offsets: dict[str, str]
    # Verdicts on attribute values seen so far: a site's class names recur on every page.
    verdicts: dict[str, str | None] = field(default_factory=dict, compare=False)
    caption_classes: dict[str, bool] = field(default_factory=dict, compare=False)

    def verdict(self, value: str) -> str | None:
        """``byline``, ``prune`` or None for one (lower-cased) attribute value; cached, bounded."""
        return _cached(self.verdicts, value, lambda v: "byline" if self.byline.search(v)
                       else "prune" if self.prune.search(v) else None)

    def is_caption_class(self, value: str) -> bool:
        return _cached(self.caption_classes, value, lambda v: bool(self.caption.search(v)))


def _cached(cache: dict, key: str, compute):
    if key not in cache:
        if len(cache) >= MAX_CACHED_VERDICTS:
            cache.clear()
        cache[key] = compute(key)
    return cache[key]


def is_lead_element(element: HtmlElement, lexicon: HtmlLexicon) -> bool:
    """Does the element's class or id name it a lead (sapo, standfirst, summary...)?"""
    value = " ".join(v for v in (element.get("class"), element.get("id")) if v)
    return bool(value) and bool(lexicon.lead.search(value.lower()))


def _parts_pattern(parts: list[str]) -> str:
    """Matches an attribute value one of whose space/-/_ separated parts is in ``parts``."""
    return r"(?:^|[\s_-])(?:" + "|".join(map(re.escape, parts)) + r")(?:$|[\s_-])"


@lru_cache(maxsize=4)
def load_html_lexicon(path: Path = LEXICON_PATH) -> HtmlLexicon:
    with open(path, "rb") as handle:
        section = tomllib.load(handle)["html"]
    attributes = tuple(section["attributes"])
    prune = "|".join(map(re.escape, section["prune_substrings"])) + "|" + _parts_pattern(section["prune_parts"])
    credit_words = "|".join(re.escape(fold(w)) for w in sorted(section["caption_credit_words"], key=len, reverse=True))
    return HtmlLexicon(
        attributes=attributes,
        prune=re.compile(prune),
        byline=re.compile(_parts_pattern(section["byline_parts"])),
        lead=re.compile(_parts_pattern(section["lead_parts"])),
        caption=re.compile(_parts_pattern(section["caption_parts"])),
        # "... Ảnh: Reuters", "(Ảnh minh hoạ)", "- Photo by X", "Foto: dpa" at the end of a caption
        credit=re.compile(rf"(?:^|[\s(\[|/–—-])[(\[]?(?:{credit_words})\b\s*(?::|by\b|minh hoa\b|©)"),
        caption_min_words=int(section["caption_min_words"]),
        caption_min_chars=int(section["caption_min_chars"]),
        naive_time_offsets=dict(section.get("naive_time_offsets", {})),
    )


# --------------------------------------------------------------------------- guards, decode, parse

def read_html_file(path: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of an .html/.htm file, or of a gzipped .html.gz one, read up to ``max_bytes + 1``
    (so ``process_html`` still sees that it is too large, without a gzip bomb filling memory)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return handle.read(max_bytes + 1)


def check_raw(html: str | bytes, max_bytes: int) -> Dropped | None:
    """``empty``, ``too_large`` or ``binary`` for inputs not worth parsing, else None."""
    if len(html) > max_bytes:
        return Dropped("too_large", f"{len(html)} > {max_bytes}")
    head = html[:65_536]
    if isinstance(head, bytes):
        if not head.strip():
            return Dropped("empty")
        wide = head.startswith((b"\xff\xfe", b"\xfe\xff")) or _utf16_without_bom(head)  # UTF-16/32 text is full of NULs
        if head.lstrip().startswith(_MAGIC) or head.count(b"\x00") > len(head) // 100 and not wide:
            return Dropped("binary", repr(head[:8]))
        if not wide and len(head.translate(None, _NOT_CONTROL)) > len(head) // 100:  # random or compressed bytes
            return Dropped("binary", "control bytes")
    else:
        if not head.strip():
            return Dropped("empty")
        if head.count("\x00") > len(head) // 100:
            return Dropped("binary", "NUL characters")
    return None


def _utf16_without_bom(head: bytes) -> bool:
    """ASCII markup in UTF-16 without a BOM: every other byte is NUL, the others printable."""
    even, odd = head[0::2], head[1::2]
    return (odd.count(0) > 0.9 * len(odd) and even.count(0) == 0) or (even.count(0) > 0.9 * len(even) and odd.count(0) == 0)


def to_markup(html: str | bytes) -> str | bytes:
    """The page as the parser gets it: the served bytes when they are clean UTF-8 (libxml2
    parses those about twice as fast as a str), else text without NULs and without an XML
    declaration (which lxml refuses in a str).

    Not NFC-normalized here: composing 500 KB of markup costs ~10 ms, while only the extracted
    lines need it, and every line goes through ``normalize_line`` (NFC) on its way out."""
    if isinstance(html, bytes):
        if _utf16_without_bom(html[:4096]):
            text = html.decode("utf-16-le" if html[1:2] == b"\x00" else "utf-16-be", "replace")
        else:
            decoded = decode_html(html)
            EVENTS[f"charset_{decoded.how}"] += 1
            if decoded.how == "utf8" and not _has_c0(html):
                return html
            text = decoded.text
    else:
        text = html
    if _C0_TEXT.search(text):  # libxml2 refuses these: one of them would lose the whole page
        text = text.translate(_C0_TABLE)
    return _XML_DECLARATION.sub("", text, count=1)


def _has_c0(data: bytes) -> bool:
    """Does the page hold a C0 control byte (which libxml2 refuses)? ``translate`` runs in C,
    ten times faster than a regex search over a large page."""
    return bool(data.translate(None, _NOT_C0))


def _utf8_as_served(html: bytes) -> bool:
    """Can the served bytes go to the parser as UTF-8 without being decoded first? (The page
    declares UTF-8 or nothing, and holds no control bytes; libxml2 reports any invalid byte.)"""
    return (declared_charset(html) in (None, "utf-8") and not _utf16_without_bom(html[:4096])
            and not _has_c0(html))


def parse_html(html: str | bytes) -> tuple[HtmlElement | None, list[str]] | Dropped:
    """Decode when needed, and parse. Bytes that declare UTF-8 (or nothing) are parsed as they
    are, which spares decoding the whole page; only when libxml2 finds bytes that are not
    UTF-8 does the page go through charset detection (``to_markup``)."""
    if isinstance(html, bytes) and _utf8_as_served(html):
        parsed = parse_page(html)
        if parsed is not None:
            EVENTS["charset_utf8"] += 1
            return parsed
    markup = to_markup(html)
    if not markup.strip():
        return Dropped("empty")
    return parse_page(markup)


def _parse(markup: str | bytes, huge: bool) -> tuple[HtmlElement | None, bool, bool]:
    """(tree, hit libxml2's depth limit, found bytes that are not UTF-8). Bytes are UTF-8."""
    parser = HTMLParser(collect_ids=False, default_doctype=False, remove_comments=True, remove_pis=True,
                        huge_tree=huge, encoding="utf-8" if isinstance(markup, bytes) else None)
    try:
        tree = document_fromstring(markup, parser=parser)
    except (etree.ParserError, ValueError):
        return None, False, False
    too_deep = any(LIBXML_DEPTH_ERROR in entry.message for entry in parser.error_log)
    not_utf8 = any(entry.type_name == "ERR_INVALID_ENCODING" for entry in parser.error_log)
    return tree, too_deep, not_utf8


def parse_page(markup: str | bytes) -> tuple[HtmlElement | None, list[str]] | Dropped | None:
    """Parse once; on libxml2's depth error re-parse with the huge-tree limit and flatten.
    None when bytes turn out not to be UTF-8."""
    tree, too_deep, not_utf8 = _parse(markup, huge=False)
    if not_utf8:
        return None
    if not too_deep:
        return tree, []
    EVENTS["deep_nesting"] += 1
    tree, too_deep, _ = _parse(markup, huge=True)
    if too_deep or tree is None:
        return Dropped("too_deep", "nesting deeper than libxml2's huge-tree limit (2048)")
    flatten_deep(tree, MAX_DEPTH)
    return tree, ["deep_nesting"]


def flatten_deep(root: HtmlElement, max_depth: int) -> int:
    """Replace the children of every element at ``max_depth`` by their text (recursive code
    downstream, trafilatura's included, would otherwise exhaust the Python stack)."""
    depth, flattened = 0, []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if event == "start" and depth == max_depth and len(element):
            flattened.append(element)
    for element in flattened:
        text = element.text_content()
        for child in list(element):
            element.remove(child)
        element.text = text
    return len(flattened)


# --------------------------------------------------------------------------- clutter and captions
#
# The lexicon's clutter containers are marked, not removed: trafilatura chooses the article on
# the intact page, and the lines it returns that come from a marked container are dropped
# afterwards (``drop_clutter``). A wrong verdict (a WordPress ``tag-…`` class on the
# ``<article>``, a ``sidebar-first`` class on the main column) can then cost at most the lines
# of that container, never the choice of the article, and ``drop_clutter`` refuses a verdict
# that would take most of the text.

#: Never marked as clutter, nor any element that holds one: where pages keep their article.
_ARTICLE_XPATH = etree.XPath("//article|//main|//*[@itemprop='articleBody']|//*[@role='main']")
MAX_CLUTTER_SHARE = 0.5     # all clutter lines together may be at most this share of the text ...
MAX_CONTAINER_SHARE = 0.25  # ... and the lines of one container at most this share
MIN_MATCHED_CHARS = 25      # a shorter line is clutter only when it is a container's whole text
MIN_BODY_SHARE = 0.5        # an extraction under this share of the page's JSON-LD articleBody yields to it
MIN_KEPT_SHARE = 0.3        # the line pass keeps at least this share of the extracted text, or is refused
LEAD_MAX_LEVELS = 4         # a lead shares an ancestor with the headline this close to both


def _protected(tree: HtmlElement, meta: PageMeta) -> set[HtmlElement]:
    """The headline, the lead, the article containers, and all their ancestors: never clutter."""
    keep: set[HtmlElement] = set()
    for element in (meta.headline, meta.lead_element, *_ARTICLE_XPATH(tree)):
        if element is not None:
            keep.add(element)
            keep.update(element.iterancestors())
    return keep


@dataclass
class Clutter:
    """What the lexicon marked on a page: the text of each clutter container, bylines."""

    containers: list[str] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text:
            self.containers.append(text)


def mark_clutter(tree: HtmlElement, meta: PageMeta, lexicon: HtmlLexicon) -> Clutter:
    """The texts of the containers the ``[html]`` vocabulary names (related boxes, share bars,
    tags, ads, bylines...), outside the protected elements.

    The attribute values are fetched by one XPath and judged once per distinct value
    (``HtmlLexicon.verdict`` caches the verdicts across pages).
    """
    keep = _protected(tree, meta)
    clutter = Clutter()
    seen: set[HtmlElement] = set()
    for value in _attribute_xpath(lexicon.attributes)(tree):
        verdict = lexicon.verdict(value.lower())
        element = value.getparent()
        if verdict is None or element in keep or element in seen or element.tag in ("html", "body", "head"):
            continue
        seen.add(element)
        if _in_code(element):
            continue  # syntax highlighting: "hljs-comment", "token tag"
        text = normalize_line(element.text_content())
        if verdict == "byline" and text:
            clutter.bylines.append(text)
        clutter.add(text)
    for text in _right_aligned_signatures(tree, keep):
        clutter.bylines.append(text)
        clutter.add(text)
    return clutter


def _in_code(element: HtmlElement) -> bool:
    return element.tag in ("pre", "code") or any(a.tag in ("pre", "code") for a in element.iterancestors())


_CLASS_VALUES = etree.XPath("//*/@class")


@lru_cache(maxsize=8)
def _attribute_xpath(attributes: tuple[str, ...]) -> etree.XPath:
    return etree.XPath("|".join(f"//*/@{name}" for name in attributes))


def _right_aligned_signatures(tree: HtmlElement, keep: set[HtmlElement]) -> list[str]:
    """Short right-aligned paragraphs ("Hà Thu (tổng hợp)", "J. Smith"): newsroom signatures."""
    found = []
    for element in tree.xpath("//p[@style or @align]|//div[@align]"):
        if element in keep:
            continue
        if not (_RIGHT_ALIGNED.search(element.get("style", "")) or element.get("align", "").lower() == "right"):
            continue
        text = normalize_line(element.text_content())
        if 0 < len(text) <= 60 and len(text.split()) <= 8 and not text.endswith((".", "?", "!", ":")):
            found.append(text)
    return found


def drop_clutter(lines: list[str], clutter: Clutter) -> list[str]:
    """``lines`` without those that stand in a marked clutter container (a line of the
    extractor's is a block's text: it is found in its container's text). A container whose lines
    would be more than ``MAX_CONTAINER_SHARE`` of the text is refused (its name misleads: it
    holds the article, or a large part of it), and so is all clutter when it would take more
    than ``MAX_CLUTTER_SHARE``."""
    total = sum(map(len, lines))
    drop: set[str] = set()
    for container in clutter.containers:
        found = {line for line in lines if _stands_in(line, container)}
        if sum(map(len, found)) <= MAX_CONTAINER_SHARE * total:
            drop |= found
        else:
            EVENTS["clutter_refused"] += 1
    kept = [line for line in lines if line not in drop]
    if total - sum(map(len, kept)) > MAX_CLUTTER_SHARE * total:
        EVENTS["clutter_refused"] += 1
        return lines
    return kept


def _stands_in(line: str, container: str) -> bool:
    """Is ``line`` a block of ``container``'s text? A short line must be all of it: "All",
    "Share" or "R" occur inside many texts."""
    return line == container if len(line) < MIN_MATCHED_CHARS else line in container


def caption_is_sentence(text: str, lexicon: HtmlLexicon) -> bool:
    """Captions policy: keep a caption that is a sentence describing the image (its trailing
    credit may follow); drop credit-only lines and short noun-phrase labels."""
    body = text
    match = None
    for match in lexicon.credit.finditer(fold(text)):
        pass
    if match is not None:
        body = text[: match.start()] if len(fold(text)) == len(text) else _cut_folded(text, match.start())
    words = body.split()
    if len(words) >= lexicon.caption_min_words:
        return True
    # scripts written without spaces (Chinese, Japanese, Thai): count characters instead
    return len(words) <= 3 and len(re.sub(r"\W", "", body)) >= lexicon.caption_min_chars and not body.isascii()


def has_credit(text: str, lexicon: HtmlLexicon) -> bool:
    """Does the caption end in a photo credit ("Ảnh: Reuters", "(Ảnh minh hoạ)", "Photo: AP")?"""
    return lexicon.credit.search(fold(text)) is not None


def _cut_folded(text: str, folded_index: int) -> str:
    """``text`` up to the character whose folded prefix has length ``folded_index``."""
    for i in range(len(text)):
        if len(fold(text[: i + 1])) > folded_index:
            return text[:i]
    return text


@dataclass(frozen=True)
class Caption:
    """A caption kept as article text, and the texts of the paragraphs around its figure."""

    text: str
    before: str | None
    after: str | None


_PARAGRAPH_BEFORE = etree.XPath("preceding::p[normalize-space()][1]")
_PARAGRAPH_AFTER = etree.XPath("following::p[normalize-space()][1]")


def sort_captions(tree: HtmlElement, lexicon: HtmlLexicon, clutter: Clutter) -> list[Caption]:
    """Captions policy over the page: a caption that is a sentence is kept as article text
    (trafilatura drops figures, captions included; ``insert_captions`` puts it back beside its
    paragraphs); credits and noun-phrase labels join the clutter lines."""
    candidates = list(tree.iter("figcaption"))
    for value in _CLASS_VALUES(tree):
        if lexicon.is_caption_class(value.lower()):
            element = value.getparent()
            if element.tag != "figcaption":
                candidates.append(element)
    kept = []
    for caption in candidates:
        text = normalize_line(caption.text_content())
        if not text:
            continue
        if not caption_is_sentence(text, lexicon):
            clutter.add(text)
            continue
        if not has_credit(text, lexicon):
            continue  # a sentence without a credit: not told from a pull quote or a teaser, left as it is
        before, after = _PARAGRAPH_BEFORE(caption), _PARAGRAPH_AFTER(caption)
        kept.append(Caption(text, normalize_line(before[0].text_content()) if before else None,
                            normalize_line(after[0].text_content()) if after else None))
    return kept


def insert_captions(lines: list[str], captions: list[Caption]) -> list[str]:
    """Each kept caption after the paragraph before its figure, or before the one after it, when
    that paragraph is in the extracted text (a caption elsewhere on the page stays out)."""
    present = set(lines)
    for caption in captions:
        if caption.text in present:
            continue
        if caption.before in present:
            lines.insert(lines.index(caption.before) + 1, caption.text)
        elif caption.after in present:
            lines.insert(lines.index(caption.after), caption.text)
        else:
            continue
        present.add(caption.text)
    return lines


# --------------------------------------------------------------------------- extraction and assembly

def extract_lines(tree: HtmlElement, url: str | None) -> list[str]:
    """trafilatura's main-text lines for the parsed page, with its default cascade (its own
    extractor, compared with readability and jusText): the base newsclean never falls below.
    trafilatura works on a copy; ``tree`` stays as it is."""
    result = trafilatura.bare_extraction(tree, url=url, include_comments=False, include_tables=True,
                                         with_metadata=False)
    if not result or not result.text:
        return []
    return [line for line in (normalize_line(l) for l in result.text.splitlines()) if line]


def assemble(lines: list[str], meta: PageMeta, lexicon: HtmlLexicon) -> list[str]:
    """Body lines with the title dropped from the top and the lead put back when missed (not
    when the lexicon also names its element clutter or a byline: "author-description")."""
    if lines and meta.title and fold(lines[0]) == fold(meta.title):
        lines = lines[1:]
    body_key = " ".join(lines[:40]).lower()  # lines and metadata are both normalized (NFC): lower() suffices
    lead = meta.lead
    if (lead and _beside_headline(meta) and normalize_line(lead).lower()[:120] not in body_key
            and not _named_clutter(meta.lead_element, lexicon)):
        return [lead, *lines]
    return lines


def _named_clutter(element: HtmlElement, lexicon: HtmlLexicon) -> bool:
    return any(lexicon.verdict(value.lower()) for name in lexicon.attributes if (value := element.get(name)))


def _beside_headline(meta: PageMeta) -> bool:
    """Does the lead stand in the headline's own block (a sapo, a standfirst), rather than
    somewhere else on the page whose class only says "summary" or "description"?"""
    if meta.headline is None or meta.lead_element is None:
        return False
    near = set(islice(meta.headline.iterancestors(), LEAD_MAX_LEVELS))
    return any(a in near for a in islice(meta.lead_element.iterancestors(), LEAD_MAX_LEVELS + 1))


def structured_body(meta: PageMeta) -> list[str]:
    """The paragraphs of the page's JSON-LD ``articleBody`` (plain text; one carrying markup is
    not used), normalized; [] when there is none."""
    body = meta.article_body or ""
    if "<" in body and ">" in body:
        return []
    return [line for line in map(normalize_line, body.splitlines()) if line]


def _author(meta: PageMeta, bylines: list[str]) -> str | None:
    if meta.author:
        return meta.author
    for line in bylines:
        name = _PARENTHESIS.sub("", line).strip(" -–—,")
        if 0 < len(name) <= 60:
            return name
    return None


def process_html(html: str | bytes, url: str | None = None, source: str | None = None,
                 *, max_bytes: int = MAX_BYTES) -> Document | Dropped:
    """Extract and clean the article of an HTML page (bytes as served, or str); see the module docstring."""
    if html is None or len(html) == 0:
        return Dropped("empty")
    problem = check_raw(html, max_bytes)
    if problem:
        return problem
    legacy = legacy_vietnamese(html)  # VNI/TCVN3 font encodings: unreadable without the font
    if legacy:
        return Dropped("legacy_encoding", legacy)
    parsed = parse_html(html)
    if isinstance(parsed, Dropped):
        return parsed
    if parsed is None:  # bytes that decode_html called UTF-8 and libxml2 did not: keep what it read
        return Dropped("no_article", "undecodable bytes")
    tree, flags = parsed
    if tree is None or tree.find("body") is None:
        return Dropped("no_article", "no HTML body")
    lexicon = load_html_lexicon()
    meta = extract_metadata(tree, url, lambda e: is_lead_element(e, lexicon), lexicon.naive_time_offsets)
    signals = page_signals(tree, meta)
    clutter = mark_clutter(tree, meta, lexicon)
    captions = sort_captions(tree, lexicon, clutter)
    lines = extract_lines(tree, url)
    if not lines:
        return Dropped("no_article", "extractor found no main text")
    lines = assemble(insert_captions(drop_clutter(lines, clutter), captions), meta, lexicon)
    article = clean_lines(lines, title_hint=meta.title, keep_lines=frozenset(c.text for c in captions),
                          page_dump=False)
    if sum(map(len, article.paragraphs)) < MIN_KEPT_SHARE * sum(map(len, lines)):
        EVENTS["line_pass_refused"] += 1  # its rules would take most of the article: they misread this page
        article.paragraphs = lines[1:] if lines and article.title and lines[0] == article.title else lines
    published_body = structured_body(meta)
    if sum(map(len, article.paragraphs)) < MIN_BODY_SHARE * sum(map(len, published_body)):
        EVENTS["structured_body"] += 1  # the page's own articleBody holds far more: the extraction missed it
        article.paragraphs = published_body
    key = meta.canonical or url or source or "<html>"
    doc = Document(id=stable_id(key), source=source or url or "<html>", url=meta.canonical or url,
                   domain=registered_domain(meta.canonical or url), title=article.title or meta.title,
                   author=article.author or _author(meta, clutter.bylines), published=meta.published,
                   text="\n".join(article.paragraphs), flags=list(flags), page=signals)
    return run_stages(doc, FINAL_STAGES)
