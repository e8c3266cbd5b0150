"""A crawled row's ``url`` and ``id``: the page's canonical URL only when it is on the site.

``cleaning.html.process_html`` takes ``<link rel=canonical>`` (else ``og:url``) as the row's URL.
A canonical that points to another registered domain (the outlet that first published a
syndicated story, a partner's copy) would make every page of one site that republishes another
outlet's articles share ids with that outlet, and two different pages collide. So for a crawled
page: ``url`` is the canonical when it is an absolute http(s) URL on the fetched page's registered
domain (or one of the site's allowed domains); otherwise the fetched URL, normalised
(``w3lib.url.canonicalize_url``, tracking parameters removed), and the cross-domain canonical is
kept in ``canonical_url``. ``id`` is the hash of ``url`` either way.
"""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url

from cleaning.document import Document, stable_id
from cleaning.stages import registered_domain
from crawler.traps import clean_url


def normalized(url: str) -> str:
    """The fetched URL as a row's ``url``: w3lib's canonical form, without tracking parameters."""
    return canonicalize_url(clean_url(url), keep_fragments=False)


def on_site(url: str, fetched: str, allowed_domains: Iterable[str] = ()) -> bool:
    """An absolute http(s) URL on the fetched page's registered domain or an allowed domain."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    if any(host == d or host.endswith("." + d) for d in allowed_domains):
        return True
    return registered_domain(url) == registered_domain(fetched)


def settle_url(doc: Document, fetched: str, allowed_domains: Iterable[str] = ()) -> Document:
    """Set ``doc.url``, ``doc.canonical_url``, ``doc.id`` and ``doc.domain`` for a page fetched at ``fetched``."""
    canonical = doc.url
    if canonical and canonical != fetched and on_site(canonical, fetched, allowed_domains):
        url, foreign = canonical, None
    else:
        url = normalized(fetched)
        foreign = canonical if canonical and canonical != fetched and normalized(canonical) != url else None
    doc.url, doc.canonical_url = url, foreign
    doc.id = stable_id(url)
    doc.domain = registered_domain(url)
    return doc
