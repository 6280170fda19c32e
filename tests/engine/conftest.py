"""A sandbox per test and an engine client bound to it over real HTTP."""

import pytest

from qbo_connector.engine.client import ClientConfig, QBOClient
from qbo_connector.engine.limiter import RateLimiter
from qbo_connector.engine.tokens import MemoryTokenStore, TokenSet
from qbo_connector.sandbox import Sandbox


@pytest.fixture
def sandbox():
	sb = Sandbox(limits="off").start()
	yield sb
	sb.stop()


def build_client(sb, realm=None, tokens=None, timeout=(2.0, 2.0), time_scale=600.0):
	realm = realm or sb.realm_ids[0]
	client_id, secret = sb.default_client
	config = ClientConfig(
		client_id=client_id,
		client_secret=secret,
		redirect_uri="http://localhost/callback",
		realm_id=realm,
		environment="Custom",
		base_url=sb.url,
		timeout=timeout,
	)
	store = MemoryTokenStore(tokens or TokenSet.from_response(sb.issue_tokens(realm)))
	return QBOClient(config, store, limiter=RateLimiter(realm, time_scale=time_scale))


@pytest.fixture
def make_client():
	return build_client


@pytest.fixture
def client(sandbox):
	return build_client(sandbox)
