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

import re
from collections import Counter
from itertools import islice

import trafilatura
from lxml.html import HtmlElement

from cleaning.captions import insert_captions, sort_captions
from cleaning.charset import legacy_vietnamese
from cleaning.clutter import drop_clutter, mark_clutter
from cleaning.document import Document, Dropped, LineDecision, stable_id
from cleaning.html_lexicon import HtmlLexicon, is_lead_element, load_html_lexicon
from cleaning.lexicon import fold
from cleaning.metadata import PageMeta, extract_metadata
from cleaning.normalize import normalize_line
from cleaning.pagekind import page_signals
from cleaning.parsing import MAX_BYTES, check_raw, parse_html
from cleaning.pipeline import run_stages
from cleaning.stages import FINAL_STAGES, registered_domain
from cleaning.text import TITLE, Article, clean_lines

MIN_BODY_SHARE = 0.5        # an extraction under this share of the page's JSON-LD articleBody yields to it
MIN_KEPT_SHARE = 0.3        # the line pass keeps at least this share of the extracted text, or is refused
LEAD_MAX_LEVELS = 4         # a lead shares an ancestor with the headline this close to both
ARTICLE_BODY = "structure:article_body"  # rule of a line the page's JSON-LD articleBody replaced
_PARENTHESIS = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")


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
                 *, charset: str | None = None, max_bytes: int = MAX_BYTES) -> Document | Dropped:
    """Extract and clean the article of an HTML page (bytes as served, or str); see the module
    docstring. ``charset``: the HTTP ``Content-Type`` header's charset, when the page was fetched
    (``cleaning.charset.header_charset`` reads it from the header's value)."""
    if html is None or len(html) == 0:
        return Dropped("empty")
    problem = check_raw(html, max_bytes)
    if problem:
        return problem
    legacy = legacy_vietnamese(html)  # VNI/TCVN3 font encodings: unreadable without the font
    if legacy:
        return Dropped("legacy_encoding", legacy)
    parsed = parse_html(html, charset)
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
    extracted = extract_lines(tree, url)
    if not extracted:
        return Dropped("no_article", "extractor found no main text")
    lines, removed = drop_clutter(extracted, clutter)
    if clutter.refused:
        flags.append("clutter_refused")
    lines = assemble(insert_captions(lines, captions), meta, lexicon)
    article = clean_lines(lines, title_hint=meta.title, keep_lines=frozenset(c.text for c in captions),
                          page_dump=False)
    if sum(map(len, article.paragraphs)) < MIN_KEPT_SHARE * sum(map(len, lines)):
        flags.append("line_pass_refused")  # its rules would take most of the article: they misread this page
        article.paragraphs = lines[1:] if lines and article.title and lines[0] == article.title else lines
    published_body = structured_body(meta)
    if sum(map(len, article.paragraphs)) < MIN_BODY_SHARE * sum(map(len, published_body)):
        flags.append("structured_body")  # the page's own articleBody holds far more: the extraction missed it
        article.paragraphs = published_body
    key = meta.canonical or url or source or "<html>"
    doc = Document(id=stable_id(key), source=source or url or "<html>", url=meta.canonical or url,
                   domain=registered_domain(meta.canonical or url), title=article.title or meta.title,
                   author=article.author or _author(meta, clutter.bylines), published=meta.published,
                   text="\n".join(article.paragraphs), flags=flags, page=signals)
    doc.decisions = line_decisions(extracted, removed, article)
    return run_stages(doc, FINAL_STAGES)


def line_decisions(extracted: list[str], removed: dict[str, str], article: Article) -> list[LineDecision]:
    """What became of each line trafilatura extracted, as decided above: dropped with its clutter
    container's rule, kept, dropped by the line pass with its rule (``Article.decisions``), the
    headline, or replaced by the page's ``articleBody``; in the order of the text, the lines the
    cleaner put back (captions, the lead, the articleBody) among them. Lines of the page that
    trafilatura did not extract are not here."""
    line_rules = {d.line: d.rule for d in article.decisions}
    unmatched = Counter(article.paragraphs)
    verdicts = []
    for line in extracted:
        if line in removed:
            rule = removed[line]
        elif unmatched[line] > 0:
            unmatched[line] -= 1
            rule = None
        elif line not in line_rules:
            rule = TITLE  # ``assemble`` took it off the top
        else:
            rule = line_rules[line] or ARTICLE_BODY
        verdicts.append(LineDecision(line, rule))
    return _in_text_order(verdicts, article.paragraphs)


def _in_text_order(verdicts: list[LineDecision], paragraphs: list[str]) -> list[LineDecision]:
    """``verdicts`` with their kept lines in the order of ``paragraphs``, and the paragraphs no
    verdict holds (put back by the cleaner) among them as kept lines."""
    out, j = [], 0
    for paragraph in paragraphs:
        k = j
        while k < len(verdicts) and not verdicts[k].kept:
            k += 1
        if k < len(verdicts) and verdicts[k].line == paragraph:
            out += verdicts[j:k + 1]
            j = k + 1
        else:
            out += verdicts[j:k]
            out.append(LineDecision(paragraph))
            j = k
    return out + verdicts[j:]
