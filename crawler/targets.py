"""Which hosts a crawl may connect to: the private-address policy, applied twice.

``SafeTargetMiddleware`` (crawler.downloadermiddlewares.safetarget) refuses a request before it
is sent when its host is, or resolves to, a private, loopback, link-local or reserved address.
But the connection resolves the name again, and a name can answer a public address the first
time and 127.0.0.1 or 169.254.169.254 (cloud metadata) the second ("DNS rebinding").
``PublicAddressResolver``, Scrapy's default resolver with the same check on the answer the
connection uses, closes that gap (TWISTED_DNS_RESOLVER). Both apply a ``TargetPolicy`` over one
allow list per process (``PROCESS_ALLOW_LIST``): the hosts the configured sites name themselves
and NEWSCLEAN_ALLOW_PRIVATE_HOSTS.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import TYPE_CHECKING

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from scrapy.crawler import Crawler
    from twisted.internet.base import ReactorBase
    from twisted.internet.defer import Deferred

log = logging.getLogger(__name__)

LOCAL_NAMES = ("localhost", "localhost.localdomain")


def non_public(address: str) -> bool:
    """An IP address that is not globally reachable (False for a name)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global


def local_name(host: str) -> bool:
    return host in LOCAL_NAMES or host.endswith(".localhost")


class AllowList:
    """Hosts allowed although private: names as written in URLs, IP addresses, CIDR networks."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in entries:
            self.allow(entry)

    def allow(self, entry: str) -> None:
        entry = entry.strip().lower().strip("[]")
        if not entry:
            return
        try:
            self.networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            self.names.add(entry)

    def __contains__(self, host: str) -> bool:
        if host.lower() in self.names:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


#: The allow list of every crawl of this process. Scrapy builds one DNS resolver per process
#: (from the process's settings, before any spider opens), so the hosts that the crawls' sites
#: name, added when each spider opens, must reach it here.
PROCESS_ALLOW_LIST = AllowList()


class TargetPolicy:
    """Whether a host at an address may be connected to: private addresses refused (unless
    NEWSCLEAN_REFUSE_PRIVATE_ADDRESSES is off), except for the allow list's hosts."""

    def __init__(self, refuse_private: bool = True, allow_list: AllowList | None = None) -> None:
        self.refuse_private = refuse_private
        self.allow_list = allow_list if allow_list is not None else AllowList()

    @classmethod
    def from_settings(cls, settings) -> TargetPolicy:
        """The policy of these settings, on the process's allow list (NEWSCLEAN_ALLOW_PRIVATE_HOSTS added)."""
        for entry in settings.getlist("NEWSCLEAN_ALLOW_PRIVATE_HOSTS"):
            PROCESS_ALLOW_LIST.allow(entry)
        return cls(settings.getbool("NEWSCLEAN_REFUSE_PRIVATE_ADDRESSES", True), PROCESS_ALLOW_LIST)

    def allowed(self, host: str) -> bool:
        return host in self.allow_list

    def refuses(self, host: str, address: str) -> bool:
        """Whether a connection to ``host`` resolved to ``address`` must not be made."""
        return (self.refuse_private and not self.allowed(host) and not self.allowed(address)
                and non_public(address))


class PrivateAddressError(DNSLookupError):
    """A name resolved to an address the crawl must not connect to."""


#: Names the resolver refused in this process. Twisted reports any failed lookup to the
#: connection as "no results for hostname lookup", so a failure is told from a DNS error here.
REFUSED_NAMES: set[str] = set()


def refused_name(host: str | None) -> bool:
    """Whether the resolver refused ``host``'s answer as private (see ``PublicAddressResolver``)."""
    return bool(host) and host.lower() in REFUSED_NAMES


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's default resolver (cached, threaded, DNS_TIMEOUT) that fails a name whose answer
    is a private address the crawl's ``TargetPolicy`` does not allow: see the module docstring."""

    def __init__(self, reactor: ReactorBase, cache_size: int, timeout: float,
                 policy: TargetPolicy | None = None) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.policy = policy or TargetPolicy()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: ReactorBase) -> PublicAddressResolver:
        """``crawler`` is what Scrapy passes: the CrawlerProcess (one resolver per process)."""
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), TargetPolicy.from_settings(settings))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802 (Twisted's name)
        return super().getHostByName(name, timeout).addCallback(self._checked, name)

    def _checked(self, address: str, name: str) -> str:
        if self.policy.refuses(name, address):
            if name.lower() not in REFUSED_NAMES:
                REFUSED_NAMES.add(name.lower())
                log.warning("not connecting to %s: it resolved to the private address %s", name, address)
            raise PrivateAddressError(f"{name} resolved to the private address {address}")
        return address
