"""A generated news site whose article pages are real news page layouts (for benchmarks/crawl.py).

The five Vietnamese devset pages (tests/fixtures/devset/vi/pages/*.html: 77-508 KB each, with
their head, scripts, menus, related boxes, comment widgets and footers) are the templates. Per
generated article the template keeps everything but:

- the headline (``h1``), ``<title>`` and ``og:title``: a generated title;
- the lead (sapo) above the body: a generated sentence;
- the article body's paragraphs (``p`` of more than 60 characters inside the outlet's body
  container, captions and related boxes left alone): 1-4 sentences each, drawn at random from
  the devset gold texts and the demo articles (crawler/demo/articles.py), so every page has
  different text, about as long as the original article;
- ``link rel=canonical`` and ``og:url``: the page's own address (``{{BASE}}/...``, so every
  page gets its own document id);
- a "Tin liên quan" box after the body with links to 5 other generated articles.

The template's own links are made absolute on the original outlet's host, so the crawler
sees them as off-site (as it would on the real site's links to other outlets) and never
requests them. Category pages, ``robots.txt``, the sitemap index, sitemaps and feeds are
those of crawler/demo/build_site.py, so discovery is the same as the demo site's.

    .venv/bin/python benchmarks/realistic_site.py OUT [--articles 2000]
"""
from __future__ import annotations

import argparse
import html
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import lxml.html

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawler.demo.articles import ARTICLES, CATEGORIES, Article  # noqa: E402
from crawler.demo.build_site import (  # noqa: E402
    ROBOTS_TXT, article_path, render_feeds, render_listing, render_sitemaps)

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "devset" / "vi"
#: The article body container of each devset outlet (see the devset README).
BODY_XPATH = {
    "01_vnexpress": "//article[contains(@class,'fck_detail')]",
    "03_tuoitre": "//div[contains(concat(' ',@class,' '),' detail-content ')]",
    "05_nld": "//div[contains(concat(' ',@class,' '),' detail-content ')]",
    "09_baochinhphu": "//div[contains(concat(' ',@class,' '),' detail-content ')]",
    "10_nhandan": "//div[contains(@class,'article__body')]",
}
#: The lead above the body (one per outlet).
SAPO_XPATH = ("//p[@class='description'] | //h2[contains(@class,'detail-sapo')]"
              " | //div[contains(@class,'article__sapo')]")
MARK = re.compile("@@NC:([A-Z]+[0-9]*)@@")   # ASCII: lxml %-escapes other characters in href


def _mark(name: str) -> str:
    return f"@@NC:{name}@@"


@dataclass
class Template:
    """A page cut at its slots: ``chunks[0] slot[0] chunks[1] slot[1] ...``."""

    name: str
    chunks: list[str]
    slots: list[str]       # TITLE, SAPO, URL, RELATED or P<n>
    paragraphs: int

    def render(self, values: dict[str, str]) -> str:
        out = [self.chunks[0]]
        for slot, chunk in zip(self.slots, self.chunks[1:]):
            out.append(values[slot])
            out.append(chunk)
        return "".join(out)


def _skip(p: lxml.html.HtmlElement) -> bool:
    """A caption or a related-article teaser: left as the template has it."""
    for node in p.iterancestors():
        if node.tag in ("figure", "figcaption"):
            return True
        if re.search(r"related|Related|caption|Caption", node.get("class", "")):
            return True
    return False


def load_template(path: Path) -> Template:
    name = path.stem
    text = path.read_text(encoding="utf-8")
    original = lxml.html.fromstring(text).xpath("//link[@rel='canonical']/@href")[0]
    doc = lxml.html.fromstring(text, base_url=original)
    doc.make_links_absolute(original, resolve_base_href=True)   # the template's links: off-site
    body = doc.xpath(BODY_XPATH[name])[0]
    h1 = next(h for h in doc.iter("h1") if h.text_content().strip())
    for child in list(h1):
        h1.remove(child)
    h1.text = _mark("TITLE")
    for node in doc.iter("title"):
        node.text = _mark("TITLE")
    for meta in doc.xpath("//meta[@property='og:title' or @name='twitter:title']"):
        meta.set("content", _mark("TITLE"))
    for sapo in doc.xpath(SAPO_XPATH):
        for child in list(sapo):
            sapo.remove(child)
        sapo.text = _mark("SAPO")
    for link in doc.xpath("//link[@rel='canonical']"):
        link.set("href", _mark("URL"))
    for meta in doc.xpath("//meta[@property='og:url']"):
        meta.set("content", _mark("URL"))
    count = 0
    for p in list(body.iter("p")):
        if len(p.text_content().strip()) > 60 and not _skip(p):
            for child in list(p):
                p.remove(child)
            p.text = _mark(f"P{count}")
            count += 1
    related = lxml.html.fragment_fromstring(f"<div>{_mark('RELATED')}</div>")
    body.addnext(related)
    page = "<!DOCTYPE html>\n" + lxml.html.tostring(doc, encoding="unicode")
    if "charset" not in page[:4000].lower():
        page = page.replace("<head>", '<head><meta charset="utf-8">', 1)
    parts = MARK.split(page)
    return Template(name, parts[0::2], parts[1::2], count)


def _sentences() -> list[str]:
    """Vietnamese sentences: the devset gold texts and the demo articles."""
    lines = [line for path in sorted((DEVSET / "gold").glob("*.txt")) if ".captions" not in path.name
             for line in path.read_text(encoding="utf-8").splitlines()]
    lines += [p for a in ARTICLES for p in a.paragraphs]
    result = []
    for line in lines:
        for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
            if len(sentence) > 30:
                result.append(sentence)
    return result


def make_articles(n: int, seed: int = 1) -> list[Article]:
    rng = random.Random(seed)
    sentences = _sentences()
    start = datetime.fromisoformat("2024-01-01T06:00:00+07:00")
    slugs = list(CATEGORIES)
    result = []
    for i in range(n):
        words = rng.choice(sentences).rstrip(".!?").split()
        first = rng.randrange(max(1, len(words) - 8))
        title = " ".join(words[first:first + rng.randint(8, 16)])
        title = title[:1].upper() + title[1:]
        paragraphs = tuple(" ".join(rng.sample(sentences, rng.randint(1, 4))) for _ in range(80))
        result.append(Article(300000 + i, slugs[i % len(slugs)], f"bai-viet-{i + 1}", title,
                              rng.choice(sentences), paragraphs, "Phóng viên",
                              (start + timedelta(minutes=37 * i)).isoformat()))
    return result


def _related(article: Article, others: Sequence[Article]) -> str:
    items = "".join(f'<li><a href="{article_path(a)}">{html.escape(a.title)}</a></li>' for a in others)
    return f'<div class="box-related"><h3>Tin liên quan</h3><ul>{items}</ul></div>'


def build_realistic_site(out: Path, n: int, seed: int = 1) -> list[str]:
    """Write the site under ``out``; return the article paths (``/cat/slug-id.html``)."""
    templates = [load_template(p) for p in sorted((DEVSET / "pages").glob("*.html"))]
    articles = make_articles(n, seed)
    rng = random.Random(seed + 1)
    files = {"robots.txt": ROBOTS_TXT}
    newest = sorted(articles, key=lambda a: a.published, reverse=True)
    files["index.html"] = render_listing("Tin mới nhất", newest[:20], CATEGORIES)
    for slug, name in CATEGORIES.items():
        files[f"{slug}.html"] = render_listing(name, [a for a in articles if a.category == slug], CATEGORIES)
    files.update(render_sitemaps(articles, CATEGORIES))
    files.update(render_feeds(articles))
    for relative, text in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    paths = []
    for i, article in enumerate(articles):
        template = templates[i % len(templates)]
        values = {"TITLE": html.escape(article.title), "SAPO": html.escape(article.sapo), "URL": "{{BASE}}" + article_path(article),
                  "RELATED": _related(article, [articles[(i + k) % n] for k in (3, 6, 9, 17, 31)])}
        for k in range(template.paragraphs):
            values[f"P{k}"] = html.escape(article.paragraphs[k % len(article.paragraphs)], quote=False)
        path = out / article_path(article).lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.render(values), encoding="utf-8")
        paths.append(article_path(article))
    rng.shuffle(paths)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    paths = build_realistic_site(args.out, args.articles)
    print(f"{len(paths)} article pages written to {args.out}")


if __name__ == "__main__":
    main()
