"""The private-address policy at connection time: the resolver the crawl's connections use
refuses a name whose answer is private unless the crawl allows it (DNS rebinding)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from crawler.targets import AllowList, TargetPolicy, non_public
from tests.crawler.conftest import run_crawl
from tests.servers import REPO

# Resolve names with the crawl's resolver on a real asyncio reactor (a subprocess: one reactor
# per process), as Scrapy builds it from the project settings plus the given ones.
RESOLVE = textwrap.dedent("""
    import json, sys
    from scrapy.utils.reactor import install_reactor
    install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
    from twisted.internet import reactor
    from scrapy.settings import Settings
    from scrapy.utils.test import get_crawler
    from scrapy.utils.misc import load_object
    settings = Settings(); settings.setmodule("crawler.settings"); settings.update(json.loads(sys.argv[1]))
    crawler = get_crawler(settings_dict=dict(settings))
    resolver = load_object(settings["TWISTED_DNS_RESOLVER"]).from_crawler(crawler, reactor)
    results = {}
    def done(value, name):
        results[name] = value if isinstance(value, str) else type(value.value).__name__
        if len(results) == len(sys.argv[2:]):
            reactor.stop()
    for name in sys.argv[2:]:
        resolver.getHostByName(name).addBoth(done, name)
    reactor.run()
    print(json.dumps(results))
""")


def resolve(settings: dict, *names: str) -> dict[str, str]:
    out = subprocess.run([sys.executable, "-c", RESOLVE, json.dumps(settings), *names], cwd=REPO,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_connections_resolver_refuses_private_answers_unless_allowed():
    assert resolve({}, "localhost", "127.0.0.1") == {"localhost": "PrivateAddressError",
                                                      "127.0.0.1": "PrivateAddressError"}
    assert resolve({"NEWSCLEAN_ALLOW_PRIVATE_HOSTS": ["localhost"]}, "localhost") == {"localhost": "127.0.0.1"}
    assert resolve({"NEWSCLEAN_ALLOW_PRIVATE_HOSTS": ["127.0.0.0/8"]}, "localhost") == {"localhost": "127.0.0.1"}
    assert resolve({"NEWSCLEAN_REFUSE_PRIVATE_ADDRESSES": False}, "localhost") == {"localhost": "127.0.0.1"}


@pytest.mark.parametrize("address, private", [("127.0.0.1", True), ("10.1.2.3", True), ("169.254.169.254", True),
                                              ("::1", True), ("::ffff:192.168.1.1", True), ("fd00::1", True),
                                              ("93.184.216.34", False), ("2606:4700::1111", False)])
def test_non_public_addresses(address, private):
    assert non_public(address) is private


def test_policy_allows_names_ips_and_networks_it_was_given():
    policy = TargetPolicy(allow_list=AllowList(["intranet.example", "10.0.0.0/8", "[::1]"]))
    assert not policy.refuses("intranet.example", "192.168.1.5")   # a site the user configured
    assert not policy.refuses("other.example", "10.9.9.9")          # an allowed network
    assert not policy.refuses("::1", "::1")
    assert policy.refuses("rebound.example", "127.0.0.1")
    assert not policy.refuses("rebound.example", "93.184.216.34")
    assert not TargetPolicy(refuse_private=False).refuses("rebound.example", "127.0.0.1")


def test_a_crawl_never_connects_to_a_private_answer_even_without_the_middleware(tmp_path, serve):
    """With SafeTargetMiddleware off (nothing checked before sending), the connection's resolver
    still refuses "localhost" (127.0.0.1): no request reaches the server, the failure is counted."""
    server = serve()
    url = server.base.replace("127.0.0.1", "localhost") + "/"
    run = run_crawl([url], tmp_path / "out", {
        "DOWNLOADER_MIDDLEWARES": json.dumps({"crawler.downloadermiddlewares.safetarget.SafeTargetMiddleware": None})})
    assert run.returncode == 0, run.stderr[-3000:]
    assert server.requests() == []
    assert "not connecting to localhost: it resolved to the private address 127.0.0.1" in run.stderr
    assert "index_failed/private_address" in run.stderr  # counted as such, not as a DNS error
