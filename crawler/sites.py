"""Sites as data: the news sites of ``seeds/sites.toml``, or one made up from a start URL."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_SITES_FILE = Path(__file__).resolve().parent.parent / "seeds" / "sites.toml"

#: A likely article URL of a site that is not in sites.toml: ends in an id (``-123456.html``,
#: ``-post123.html``, ``-20240601123456789.htm``, ``.chn``, ``.ldo``, ``.vov``). A hint (a higher
#: prior in crawler.articles), not a gate: every page is judged by its own evidence.
GENERIC_ARTICLE_PATTERN = r"[-/](?:post)?\d{5,}\.(?:html?|chn|ldo|vov)$"
#: URLs never requested unless sites.toml says otherwise: search, tags, media, tracking.
GENERIC_DENY_PATTERNS = (
    r"/(tim-kiem|search|tag|tags|video|videos|podcast|photo|emagazine|longform)(/|\?|$)",
    r"[?&](utm_|page=|p=)",
    r"\.(jpg|jpeg|png|gif|webp|pdf|mp3|mp4|zip)$",
)


@dataclass(frozen=True)
class Site:
    """One site: where discovery starts, what is in bounds, which URLs are likely articles."""

    name: str
    start_urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    article_patterns: tuple[str, ...] = (GENERIC_ARTICLE_PATTERN,)
    deny_patterns: tuple[str, ...] = ()
    sitemaps_from_robots: bool = True
    follow_links: bool = True
    title: str = ""
    _article_re: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _deny_re: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_article_re", tuple(re.compile(p) for p in self.article_patterns))
        object.__setattr__(self, "_deny_re", tuple(re.compile(p) for p in self.deny_patterns))

    def is_article(self, url: str) -> bool:
        return any(p.search(url) for p in self._article_re)

    def is_denied(self, url: str) -> bool:
        return any(p.search(url) for p in self._deny_re)

    def in_domain(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)

    def wants(self, url: str) -> bool:
        """An in-domain URL that is not denied: may be requested."""
        return self.in_domain(url) and not self.is_denied(url)


def load_sites(path: str | Path | None = None) -> dict[str, Site]:
    """The sites of a sites.toml file (default: ``seeds/sites.toml``), by name."""
    data = tomllib.loads(Path(path or DEFAULT_SITES_FILE).read_text(encoding="utf-8"))
    defaults = {"deny_patterns": list(GENERIC_DENY_PATTERNS), **data.get("defaults", {})}
    sites = {}
    for name, table in data.get("site", {}).items():
        merged = {**defaults, **table}
        sites[name] = Site(
            name=name,
            title=merged.get("title", name),
            start_urls=tuple(merged.get("start_urls", ())),
            allowed_domains=tuple(d.lower() for d in merged.get("allowed_domains", ())),
            sitemaps=tuple(merged.get("sitemaps", ())),
            feeds=tuple(merged.get("feeds", ())),
            article_patterns=tuple(merged.get("article_patterns", (GENERIC_ARTICLE_PATTERN,))),
            deny_patterns=tuple(merged.get("deny_patterns", ())),
            sitemaps_from_robots=bool(merged.get("sitemaps_from_robots", True)),
            follow_links=bool(merged.get("follow_links", True)),
        )
    return sites


def site_for_url(url: str) -> Site:
    """A site made up from a start URL: its host is the allowed domain, generic article pattern."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname.lower()
    domain = host[4:] if host.startswith("www.") else host
    return Site(name=parts.netloc.lower(), title=host, start_urls=(url,), allowed_domains=(domain,),
                deny_patterns=GENERIC_DENY_PATTERNS)


def resolve_sites(targets: list[str], sites_file: str | Path | None = None) -> list[Site]:
    """Each target is a site name from sites.toml or a start URL; unknown names raise ValueError."""
    known = load_sites(sites_file)
    resolved = []
    for target in targets:
        if "://" in target:
            resolved.append(site_for_url(target))
        elif target in known:
            resolved.append(known[target])
        else:
            raise ValueError(f"unknown site {target!r}: not in sites.toml ({', '.join(sorted(known))}) nor a URL")
    return resolved
