"""Fixtures of the ledger tests: a real redis-server (``redis_url``)."""
from tests.redis_server import redis_url  # noqa: F401 - the fixture
