"""What a page states about itself in machine-readable form: its ``<meta>`` tags and its
JSON-LD objects (the schema.org Article among them, and its people)."""
from __future__ import annotations

import html as html_entities
import json

from lxml.html import HtmlElement

from cleaning.normalize import normalize_line

ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "liveblogposting",
                  "scholarlyarticle", "report", "techarticle", "posting", "socialmediaposting"}


def clean_value(value: object) -> str | None:
    """A metadata string: entities unescaped (JSON-LD often holds them, even twice), NFC, one line."""
    if not isinstance(value, str):
        return None
    for _ in range(2):
        if "&" not in value:
            break
        value = html_entities.unescape(value)
    return normalize_line(value) or None


def meta_tags(tree: HtmlElement) -> dict[str, str]:
    """``<meta>`` content by lower-cased property / name / itemprop; the first of each wins."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if not content:
            continue
        for attribute in ("property", "name", "itemprop"):
            key = (element.get(attribute) or "").strip().lower()
            if key and key not in found:
                found[key] = content
    return found


def _flatten(data: object) -> list[dict]:
    """Every JSON object in a JSON-LD value: top level, lists, ``@graph``."""
    stack, out = [data], []
    while stack and len(out) < 200:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            out.append(item)
            if "@graph" in item:
                stack.append(item["@graph"])
    return out


def types_of(item: dict) -> set[str]:
    kind = item.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def json_ld_objects(tree: HtmlElement) -> list[dict]:
    """Every object of the page's JSON-LD blocks (invalid blocks skipped), in page order."""
    objects: list[dict] = []
    for script in tree.iterfind('.//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "", strict=False)
        except ValueError:
            continue
        objects += _flatten(data)
    return objects


def json_ld_article(objects: list[dict]) -> dict:
    """The first schema.org Article-like object among the page's JSON-LD objects, or {}."""
    return next((item for item in objects if types_of(item) & ARTICLE_TYPES), {})


def person_names(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict) and "organization" not in types_of(item):
            item = item.get("name")
        name = clean_value(item) if isinstance(item, str) else None
        if name and not name.startswith(("http://", "https://")):
            names.append(name)
    return names
