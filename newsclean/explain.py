"""``newsclean explain PATH|URL``: every line of a page's text, kept or removed, and the rule that removed it.

One code path: a file is cleaned by ``cleaning.files.clean_file`` (what ``newsclean clean``
runs), a URL's body by ``cleaning.html.process_html`` (what the crawl's workers run), and the
reasons printed are the ``Document.decisions`` the cleaner recorded while it decided; nothing
here judges a line.

- A text dump: the decisions are the dump's lines, in order.
- An HTML page: the decisions cover the lines trafilatura extracted (clutter containers, line
  rules); the page's other visible lines (one block element a line, the block walk of
  ``cleaning/blocks.py``) are shown in their place as ``extractor:not_extracted``.
- A page the cleaner drops whole: every line, with ``dropped:<reason>``.

A URL is fetched politely: its robots.txt first (Protego; the crawl's user-agent token; a
robots.txt that answers 5xx or cannot be fetched refuses the host, as RFC 9309 says), then one
request with the crawl's User-Agent; a redirect is reported, not followed.
"""
from __future__ import annotations

import difflib
import json
import logging
import unicodedata
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import click

from cleaning.blocks import page_blocks, parse
from cleaning.charset import decode_html
from cleaning.document import Document, Dropped, LineDecision
from cleaning.sources import InputFile, read_input

log = logging.getLogger(__name__)

NOT_EXTRACTED = "extractor:not_extracted"
#: A page line is a piece of a longer decided line (the extractor joined it) from this share of its length.
PIECE_SHARE = 0.2
TIMEOUT = 20.0
MAX_BODY = 10 * 1024 * 1024


class RefusedError(click.ClickException):
    """A URL that robots.txt (or its absence through a server error) forbids, or that could not be fetched."""


@dataclass
class ExplainedLine:
    line: str
    rule: str | None = None  # None: kept

    @property
    def kept(self) -> bool:
        return self.rule is None


@dataclass
class Explanation:
    source: str
    kind: str  # "text" or "html"
    lines: list[ExplainedLine] = field(default_factory=list)
    title: str | None = None
    text: str | None = None  # the row's text; None when the page was dropped
    language: str | None = None
    dropped: str | None = None  # the reason, when the cleaner dropped the whole page

    def to_json(self) -> str:
        data = asdict(self)
        data["lines"] = [{"line": l.line, "kept": l.kept, "rule": l.rule} for l in self.lines]
        return json.dumps(data, ensure_ascii=False, indent=1)


# ----------------------------------------------------------------------------- page lines
def visible_lines(data: bytes | str, charset: str | None = None) -> list[str]:
    """The page's visible text, one block element a line, as a browser's select-all copies it."""
    return [block.text for block in page_blocks(parse(data, charset))]


def input_lines(path: Path) -> list[str]:
    """The visible lines of an input file: a text file's non-blank lines, an HTML page's blocks."""
    item = InputFile(path, path.name)
    data = read_input(item)
    if isinstance(data, Dropped):
        return []
    if item.kind == "html":
        return visible_lines(data)
    return [line for line in decode_html(data).text.splitlines() if line.strip()]


def _key(line: str) -> str:
    return " ".join(unicodedata.normalize("NFC", line).split()).casefold()


def _piece_of(part: str, whole: str) -> bool:
    return bool(part) and part in whole and len(part) >= PIECE_SHARE * len(whole)


def merge_page_lines(page: list[str], decisions: list[LineDecision]) -> list[ExplainedLine]:
    """The page's visible lines in order, each decided line in its place with its rule; a page
    line the extractor did not hand over is ``extractor:not_extracted``. Every decision appears
    once, in its order (a line the extractor re-joined or cut is shown as the cleaner saw it)."""
    page_keys, decided_keys = [_key(l) for l in page], [_key(d.line) for d in decisions]
    matcher = difflib.SequenceMatcher(None, page_keys, decided_keys, autojunk=False)
    merged: list[ExplainedLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            merged += [ExplainedLine(d.line, d.rule) for d in decisions[j1:j2]]
        else:
            merged += _merge_stretch(page[i1:i2], page_keys[i1:i2], decisions[j1:j2], decided_keys[j1:j2])
    return merged


def _merge_stretch(page: list[str], page_keys: list[str], decisions: list[LineDecision],
                   decided_keys: list[str]) -> list[ExplainedLine]:
    """A stretch where the page and the decisions differ: a decided line goes where its first
    piece stands on the page (a page line holding it, or held in it: the extractor cut or
    joined it); page lines that are no piece of one are not extracted."""
    def same(a: str, b: str) -> bool:
        return _piece_of(a, b) or _piece_of(b, a)

    out: list[ExplainedLine] = []
    done = 0  # decisions placed
    for line, key in zip(page, page_keys):
        match = next((m for m in range(done, len(decisions)) if same(key, decided_keys[m])), None)
        if match is not None:
            out += [ExplainedLine(d.line, d.rule) for d in decisions[done:match + 1]]
            done = match + 1
        elif not (done and same(key, decided_keys[done - 1])):  # not a further piece of the last one placed
            out.append(ExplainedLine(line, NOT_EXTRACTED))
    return out + [ExplainedLine(d.line, d.rule) for d in decisions[done:]]


# ----------------------------------------------------------------------------- explaining
def explain_result(result: Document | Dropped, source: str, kind: str, page: list[str]) -> Explanation:
    """What the cleaner did with one page: ``page`` is its input lines (visible lines for HTML)."""
    if isinstance(result, Dropped):
        return Explanation(source, kind, [ExplainedLine(l, f"dropped:{result.reason}") for l in page],
                           dropped=result.reason)
    if not result.decisions:
        raise click.ClickException(f"the cleaner recorded no line decisions for {source} "
                                   "(Document.decisions is empty): nothing to explain")
    lines = (merge_page_lines(page, result.decisions) if kind == "html"
             else [ExplainedLine(d.line, d.rule) for d in result.decisions])
    return Explanation(source, kind, lines, title=result.title, text=result.text, language=result.language)


def explain_file(path: Path) -> Explanation:
    """Clean one .txt/.html(.gz) file as ``newsclean clean`` does and explain its lines."""
    from cleaning.files import clean_file

    item = InputFile(path, path.name)
    if item.kind == "other":
        raise click.UsageError(f"{path}: not a .txt, .html, .htm or .html.gz file")
    result = clean_file(item)
    log.info("explain %s: %s", path, f"dropped ({result.reason})" if isinstance(result, Dropped) else "cleaned")
    return explain_result(result, str(path), item.kind, input_lines(path))


@dataclass
class Fetched:
    url: str
    body: bytes
    content_type: str | None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # one request: a redirect is reported, not followed
        return None


def _identity() -> tuple[str, str]:
    """The crawl's User-Agent (with its contact) and robots.txt token: one identity for the project."""
    from crawler.settings import NEWSCLEAN_CONTACT, ROBOTSTXT_USER_AGENT, USER_AGENT

    return USER_AGENT.replace("{contact}", NEWSCLEAN_CONTACT), ROBOTSTXT_USER_AGENT


def _get(url: str, user_agent: str) -> tuple[int, bytes, dict]:
    """One GET, no redirect followed: (status, body, headers); HTTP errors are statuses, not exceptions."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            return response.status, response.read(MAX_BODY + 1), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(MAX_BODY + 1) if error.fp else b"", dict(error.headers or {})


def robots_allows(url: str, user_agent: str, token: str) -> None:
    """Raise RefusedError unless the site's robots.txt lets ``token`` fetch ``url``."""
    from protego import Protego

    robots_url = urljoin(url, "/robots.txt")
    try:
        status, body, _ = _get(robots_url, user_agent)
    except (urllib.error.URLError, OSError) as error:
        raise RefusedError(f"refused: robots.txt of {urlsplit(url).netloc} could not be fetched ({error}); "
                           "a site whose robots.txt is unreachable is not fetched") from error
    if status >= 500:
        raise RefusedError(f"refused: robots.txt of {urlsplit(url).netloc} answered {status}; "
                           "a site whose robots.txt is unavailable is not fetched")
    if status == 200 and not Protego.parse(body.decode("utf-8", errors="replace")).can_fetch(url, token):
        raise RefusedError(f"refused: {robots_url} disallows {url} for {token!r}")
    log.info("robots.txt of %s (%d) allows %s", urlsplit(url).netloc, status, url)


def fetch(url: str) -> Fetched:
    """robots.txt, then one request for the page itself."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise click.UsageError(f"{url}: not an http(s) URL")
    user_agent, token = _identity()
    robots_allows(url, user_agent, token)
    try:
        status, body, headers = _get(url, user_agent)
    except (urllib.error.URLError, OSError) as error:
        raise RefusedError(f"could not fetch {url}: {error}") from error
    if 300 <= status < 400:
        raise RefusedError(f"{url} redirects ({status}) to {headers.get('Location')}: explain that URL")
    if status != 200:
        raise RefusedError(f"{url} answered {status}")
    if len(body) > MAX_BODY:
        raise RefusedError(f"{url}: page over {MAX_BODY} bytes")
    log.info("fetched %s: %d bytes", url, len(body))
    return Fetched(url, body, headers.get("Content-Type"))


def explain_url(url: str) -> Explanation:
    """Fetch one page politely, clean it as the crawl does, explain its lines."""
    from cleaning.charset import header_charset
    from cleaning.html import process_html

    page = fetch(url)
    charset = header_charset(page.content_type)
    result = process_html(page.body, url=url, charset=charset)
    return explain_result(result, url, "html", visible_lines(page.body, charset))


# ----------------------------------------------------------------------------- output
def summary(explanation: Explanation) -> str:
    removed = [":".join(l.rule.split(":")[:2]) for l in explanation.lines if not l.kept]  # family:name
    families = ", ".join(f"{rule} {n}" for rule, n in _counts(removed))
    kept = sum(l.kept for l in explanation.lines)
    outcome = f"dropped ({explanation.dropped})" if explanation.dropped else f"row ({explanation.language})"
    return (f"{explanation.source} [{explanation.kind}]: {outcome}; {len(explanation.lines)} lines, "
            f"{kept} kept, {len(removed)} removed" + (f": {families}" if families else ""))


def _counts(values: list[str]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def format_lines(explanation: Explanation) -> list[str]:
    """One output line per page line: ``+ text`` kept (green), ``- text  [rule]`` removed (red rule)."""
    out = []
    for line in explanation.lines:
        if line.kept:
            out.append(click.style("+ ", fg="green", bold=True) + line.line)
        else:
            out.append(click.style("- ", fg="red") + click.style(line.line, dim=True) + "  "
                       + click.style(f"[{line.rule}]", fg="red"))
    return out


@click.command("explain")
@click.argument("target", metavar="PATH|URL")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the row's title and text, and every line with kept and rule.")
@click.option("--color/--no-color", default=None, help="Colours (default: only on a terminal).")
def explain(target: str, as_json: bool, color: bool | None) -> None:
    """Show every line of a page's text, kept (+) or removed (-), with the rule that removed it.

    PATH is a .txt, .html, .htm or .html.gz file (cleaned as `newsclean clean` does); URL is
    fetched once, politely (its robots.txt first, the crawl's User-Agent; a redirect is
    reported, not followed), and cleaned as the crawl does. Rules read family:name[:detail]:
    lexicon:* (an entry of cleaning/lexicon.toml), structure:* (the shape of the page),
    container:* (a clutter container of the markup), extractor:not_extracted (a visible line of
    the page that trafilatura did not extract), dropped:<reason> (the whole page dropped).
    """
    if target.startswith(("http://", "https://")):
        explanation = explain_url(target)
    else:
        path = Path(target)
        if not path.is_file():
            raise click.UsageError(f"{target}: no such file (give a file or an http(s) URL)")
        explanation = explain_file(path)
    if as_json:
        click.echo(explanation.to_json())
        return
    click.echo(click.style(summary(explanation), bold=True), color=color)
    for line in format_lines(explanation):
        click.echo(line, color=color)
