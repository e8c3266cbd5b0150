"""Render the demo news site (``crawler/demo/site/``) from ``articles.py``.

The pages imitate a Vietnamese news site: header and menu, breadcrumb, headline, sapo, body,
byline, then the boxes an extractor must leave out ("Tin liên quan", "Đọc thêm", comments).
Absolute URLs are written as ``{{BASE}}`` (and ``{{PORT}}``), which ``server.py`` replaces
with the address it is reached at. ``synthetic_articles`` makes many varied articles for the
crawl benchmark.

    python -m crawler.demo.build_site [OUT]       # default: crawler/demo/site
"""
from __future__ import annotations

import html
import random
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from crawler.demo.articles import ARTICLES, CATEGORIES, Article

SITE_NAME = "Báo Tin Mới"
DEFAULT_OUT = Path(__file__).with_name("site")
ROBOTS_TXT = """User-agent: *
Disallow: /admin/
Disallow: /tim-kiem

Sitemap: {{BASE}}/sitemap.xml
Sitemap: {{BASE}}/news-sitemap.xml
"""
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")


def article_path(article: Article) -> str:
    return f"/{article.category}/{article.slug}-{article.id}.html"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _menu(categories: dict[str, str]) -> str:
    items = "".join(f'<li><a href="/{slug}.html">{_e(name)}</a></li>' for slug, name in categories.items())
    return (f'<header class="site-header"><a class="logo" href="/">{SITE_NAME}</a>'
            f'<nav class="main-nav"><ul><li><a href="/">Trang chủ</a></li>{items}</ul></nav>'
            '<form class="search" action="/tim-kiem"><input name="q" placeholder="Tìm kiếm"></form></header>')


FOOTER = ('<footer class="site-footer"><p>© 2024 Báo Tin Mới. Giấy phép số 123/GP-BTTTT.</p>'
          '<p>Đối tác: <a href="https://vnexpress.net/">VnExpress</a> · '
          '<a href="http://localhost:{{PORT}}/kinh-te/doi-tac-quang-cao-109999.html">Quảng cáo</a> · '
          '<a href="/admin/bai-nhap-109998.html">Quản trị</a> · '
          '<a href="/tim-kiem?q=bong-da">Tìm: bóng đá</a></p></footer>')


def _page(title: str, head: str, body: str, categories: dict[str, str]) -> str:
    return ('<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{_e(title)}</title>\n{head}</head>\n<body>\n{_menu(categories)}\n"
            f"<main>\n{body}\n</main>\n{FOOTER}\n</body>\n</html>\n")


def _date_line(published: str) -> str:
    when = datetime.fromisoformat(published)
    return f"{WEEKDAYS[when.weekday()]}, {when.day}/{when.month}/{when.year}, {when:%H:%M} (GMT+7)"


def _link_list(css: str, heading: str, articles: Sequence[Article]) -> str:
    items = "".join(f'<li><a href="{article_path(a)}">{_e(a.title)}</a></li>' for a in articles)
    return f'<div class="{css}"><h3>{heading}</h3><ul>{items}</ul></div>'


def render_article(article: Article, related: Sequence[Article], more: Sequence[Article],
                   categories: dict[str, str]) -> str:
    head = (f'<link rel="canonical" href="{{{{BASE}}}}{article_path(article)}">\n'
            f'<meta property="og:title" content="{_e(article.title)}">\n'
            f'<meta property="article:published_time" content="{article.published}">\n'
            f'<meta name="author" content="{_e(article.author)}">\n')
    paragraphs = "\n".join(f"<p>{_e(p)}</p>" for p in article.paragraphs)
    body = (
        '<article class="article-detail">\n'
        f'<div class="breadcrumb"><a href="/">Trang chủ</a> › '
        f'<a href="/{article.category}.html">{_e(categories[article.category])}</a></div>\n'
        f'<h1 class="title-detail">{_e(article.title)}</h1>\n'
        f'<p class="date">{_date_line(article.published)}</p>\n'
        f'<p class="description">{_e(article.sapo)}</p>\n'
        f'<div class="fck_detail">\n{paragraphs}\n'
        f'<p class="author"><strong>{_e(article.author)}</strong></p>\n</div>\n'
        "</article>\n"
        f'{_link_list("box-related", "Tin liên quan", related)}\n'
        '<section class="box-comment"><h3>Bình luận (0)</h3>'
        '<form class="comment-form"><textarea placeholder="Ý kiến của bạn"></textarea>'
        '<button type="submit">Gửi bình luận</button></form></section>\n'
        f'{_link_list("box-readmore", "Đọc thêm", more)}'
    )
    return _page(f"{article.title} - {SITE_NAME}", head, body, categories)


def render_listing(title: str, articles: Sequence[Article], categories: dict[str, str]) -> str:
    items = "\n".join(
        f'<div class="item-news"><h3 class="title-news"><a href="{article_path(a)}">{_e(a.title)}</a></h3>'
        f'<p class="description">{_e(a.sapo)}</p></div>'
        for a in articles
    )
    return _page(f"{title} - {SITE_NAME}", "", f'<section class="list-news"><h2>{_e(title)}</h2>\n{items}\n</section>',
                 categories)


def _urlset(entries: str, news: bool = False) -> str:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>\n{entries}</urlset>\n')


def render_sitemaps(articles: Sequence[Article], categories: dict[str, str]) -> dict[str, str]:
    """sitemap.xml (an index) -> sitemap-articles.xml + sitemap-categories.xml; news-sitemap.xml."""
    latest = max(a.published for a in articles)
    index = ('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
             f"<sitemap><loc>{{{{BASE}}}}/sitemap-articles.xml</loc><lastmod>{latest}</lastmod></sitemap>\n"
             "<sitemap><loc>{{BASE}}/sitemap-categories.xml</loc><lastmod>2024-01-01T00:00:00+07:00</lastmod></sitemap>\n"
             "</sitemapindex>\n")
    article_entries = "".join(
        f"<url><loc>{{{{BASE}}}}{article_path(a)}</loc><lastmod>{a.published}</lastmod></url>\n" for a in articles)
    category_entries = "".join(f"<url><loc>{{{{BASE}}}}/{slug}.html</loc></url>\n" for slug in categories)
    news_entries = "".join(
        f"<url><loc>{{{{BASE}}}}{article_path(a)}</loc><news:news><news:publication>"
        f"<news:name>{SITE_NAME}</news:name><news:language>vi</news:language></news:publication>"
        f"<news:publication_date>{a.published}</news:publication_date>"
        f"<news:title>{_e(a.title)}</news:title></news:news></url>\n"
        for a in articles)
    return {"sitemap.xml": index, "sitemap-articles.xml": _urlset(article_entries),
            "sitemap-categories.xml": _urlset(category_entries), "news-sitemap.xml": _urlset(news_entries, news=True)}


def _rfc822(published: str) -> str:
    return datetime.fromisoformat(published).strftime("%a, %d %b %Y %H:%M:%S %z")


def render_feeds(articles: Sequence[Article]) -> dict[str, str]:
    """rss.xml (RSS 2.0) and atom.xml (Atom 1.0), newest first."""
    newest = sorted(articles, key=lambda a: a.published, reverse=True)
    items = "".join(
        f"<item><title>{_e(a.title)}</title><link>{{{{BASE}}}}{article_path(a)}</link>"
        f"<description>{_e(a.sapo)}</description><pubDate>{_rfc822(a.published)}</pubDate>"
        f"<guid>{{{{BASE}}}}{article_path(a)}</guid></item>\n" for a in newest)
    rss = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>\n'
           f"<title>{SITE_NAME}</title><link>{{{{BASE}}}}/</link><description>Tin mới nhất</description>\n"
           f"{items}</channel></rss>\n")
    entries = "".join(
        f'<entry><title>{_e(a.title)}</title><link rel="alternate" href="{{{{BASE}}}}{article_path(a)}"/>'
        f"<id>{{{{BASE}}}}{article_path(a)}</id><updated>{a.published}</updated>"
        f"<summary>{_e(a.sapo)}</summary></entry>\n" for a in newest)
    atom = ('<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f'<title>{SITE_NAME}</title><link rel="self" href="{{{{BASE}}}}/atom.xml"/>'
            f"<id>{{{{BASE}}}}/</id><updated>{newest[0].published}</updated>\n{entries}</feed>\n")
    return {"rss.xml": rss, "atom.xml": atom}


def site_files(articles: Sequence[Article] = ARTICLES,
               categories: dict[str, str] = CATEGORIES) -> dict[str, str]:
    """Every file of the site: relative path -> text."""
    by_category = {slug: [a for a in articles if a.category == slug] for slug in categories}
    newest = sorted(articles, key=lambda a: a.published, reverse=True)
    files = {"robots.txt": ROBOTS_TXT, "index.html": render_listing("Tin mới nhất", newest[:20], categories)}
    for slug, name in categories.items():
        files[f"{slug}.html"] = render_listing(name, by_category[slug], categories)
    for i, article in enumerate(articles):
        siblings = [a for a in by_category[article.category] if a is not article]
        related = siblings[:3]
        more = [articles[(i + k) % len(articles)] for k in (4, 7)]
        files[article_path(article).lstrip("/")] = render_article(article, related, more, categories)
    files["admin/bai-nhap-109998.html"] = render_article(
        Article(109998, "thoi-su", "bai-nhap", "Bản nháp chưa xuất bản", "Không được thu thập.",
                ("Trang quản trị: trang này bị robots.txt chặn.",), "Ban biên tập", "2024-06-12T00:00:00+07:00"),
        [], [], categories)
    files.update(render_sitemaps(articles, categories))
    files.update(render_feeds(articles))
    return files


def build_site(out: Path, articles: Sequence[Article] = ARTICLES,
               categories: dict[str, str] = CATEGORIES) -> int:
    """Write the site under ``out``; return the number of files."""
    files = site_files(articles, categories)
    for relative, text in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return len(files)


def synthetic_articles(n: int, seed: int = 0) -> list[Article]:
    """``n`` distinct articles, their paragraphs re-mixed from the hand-written sentences."""
    rng = random.Random(seed)
    sentences = [s.strip() + "." for a in ARTICLES for p in a.paragraphs for s in p.split(". ") if s.strip()]
    sentences = [s.replace("..", ".") for s in sentences]
    start = datetime.fromisoformat("2024-01-01T06:00:00+07:00")
    result = []
    for i in range(n):
        base = ARTICLES[i % len(ARTICLES)]
        paragraphs = tuple(" ".join(rng.sample(sentences, rng.randint(2, 4))) + f" Bản tin số {i + 1}."
                           for _ in range(rng.randint(4, 7)))
        published = (start + timedelta(minutes=37 * i)).isoformat()
        result.append(Article(200000 + i, base.category, f"{base.slug}-ban-{i + 1}", f"{base.title} (bản {i + 1})",
                              base.sapo, paragraphs, base.author, published))
    return result


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    print(f"{build_site(target)} files written to {target}")
