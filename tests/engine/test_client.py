"""The engine's client against the sandbox over real HTTP: typed errors by fault code, transport faults
seen before the library parses, timeouts, requestid, batch, paging, and token refresh rules."""

import pytest
import requests

from qbo_connector.engine import errors
from qbo_connector.engine.client import ClientConfig, triage_response
from qbo_connector.engine.tokens import TokenSet


def test_environment_names_are_normalised():
	assert ClientConfig("i", "s", "r", environment="Sandbox").api_url_v3.startswith(
		"https://sandbox-quickbooks"
	)
	assert ClientConfig("i", "s", "r", environment="PRODUCTION").api_url_v3.startswith(
		"https://quickbooks.api"
	)
	assert ClientConfig("i", "s", "r", environment="Sandbox").auth_environment == "sandbox"
	custom = ClientConfig("i", "s", "r", environment="custom", base_url="http://127.0.0.1:9/")
	assert custom.api_url_v3 == "http://127.0.0.1:9/v3"
	with pytest.raises(ValueError):
		ClientConfig("i", "s", "r", environment="staging").api_url_v3


def test_create_sends_requestid_and_minorversion_and_no_library_defaults(sandbox, client):
	created = client.create("Customer", {"DisplayName": "Wayne Enterprises"}, request_id="rid-wayne-1")
	assert created["DisplayName"] == "Wayne Enterprises"
	entry = [e for e in sandbox.request_log if e["kind"] == "create"][-1]
	assert entry["requestid"] == "rid-wayne-1"
	stored = client.read("Customer", created["Id"])
	assert "CompanyName" not in stored or stored["CompanyName"]  # no empty strings were sent
	again = client.create("Customer", {"DisplayName": "Wayne Enterprises"}, request_id="rid-wayne-1")
	assert again["Id"] == created["Id"]  # requestid replay, not a 6240


def test_fault_codes_become_typed_errors(client):
	client.create("Customer", {"DisplayName": "Clash Co"}, request_id="a1")
	with pytest.raises(errors.NameClash) as clash:
		client.create("Customer", {"DisplayName": "clash co"}, request_id="a2")
	assert clash.value.existing_id
	with pytest.raises(errors.ValidationFailed):
		client.create("Customer", {"DisplayName": "Bad: Name"}, request_id="a3")
	with pytest.raises(errors.MissingReference):
		client.read("Customer", "999999")
	customer = client.create("Customer", {"DisplayName": "Stale Ltd"}, request_id="a4")
	client.update("Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "Notes": "x"})
	with pytest.raises(errors.StaleObject):
		client.update("Customer", {"Id": customer["Id"], "SyncToken": customer["SyncToken"], "Notes": "y"})


@pytest.mark.parametrize(
	"fault, cls",
	[
		("429", errors.Throttled),
		("429xml", errors.Throttled),
		("503", errors.Transient),
		("500", errors.Transient),
	],
)
def test_transport_faults_are_seen_before_the_library_parses(sandbox, client, fault, cls):
	sandbox.script_fault(fault, count=1, kind="query")
	with pytest.raises(cls) as raised:
		client.query("SELECT * FROM Customer")
	assert raised.value.transient
	assert client.query("SELECT COUNT(*) FROM Customer")["totalCount"] >= 0  # next call works


def test_every_request_has_a_timeout(sandbox, make_client):
	client = make_client(sandbox, timeout=(1.0, 0.5))
	sandbox.script_fault("timeout", count=1, kind="query", delay=2)
	with pytest.raises(errors.Transient) as raised:
		client.query("SELECT * FROM Customer")
	assert raised.value.detail == "timeout"


def test_query_all_pages_a_thousand_at_a_time(sandbox, client):
	items = [
		{"bId": str(i), "operation": "create", "Customer": {"DisplayName": f"Pager {i}"}} for i in range(30)
	]
	client.batch(items)
	rows = client.query_all("Customer", "Active IN (true, false)", page_size=7)
	assert len({r["Id"] for r in rows}) == len(rows) >= 30
	queries = [e for e in sandbox.request_log if e["kind"] == "query"]
	assert len(queries) == len(rows) // 7 + 1


def test_batch_of_thirty_with_a_partial_failure(client):
	items = [
		{"bId": f"b{i}", "operation": "create", "Customer": {"DisplayName": f"Batch {i}"}} for i in range(29)
	]
	items.append({"bId": "b29", "operation": "create", "Customer": {"DisplayName": "Batch 3"}})
	outcomes = client.batch(items, request_id="batch-rid-1")
	assert len(outcomes) == 30
	assert isinstance(outcomes["b29"], errors.NameClash)
	assert all(isinstance(outcomes[f"b{i}"], dict) and outcomes[f"b{i}"]["Id"] for i in range(29))
	with pytest.raises(ValueError):
		client.batch([*items, {"bId": "b30", "operation": "create", "Customer": {"DisplayName": "x"}}])


def test_expired_access_token_is_refreshed_once_and_the_rotated_token_saved(sandbox, make_client):
	client = make_client(sandbox)
	before = client.store.load()
	sandbox.expire_access_tokens()
	assert client.query("SELECT COUNT(*) FROM Customer")["totalCount"] >= 0
	after = client.store.load()
	assert after.access_token != before.access_token
	assert after.refresh_token != before.refresh_token  # rotated, and saved
	assert client.store.saves == 1


def test_nothing_refreshes_implicitly_when_the_token_is_valid(sandbox, make_client):
	client = make_client(sandbox)
	client.company_info()
	assert client.store.saves == 0
	assert not [e for e in sandbox.request_log if e["kind"] == "token"]


def test_invalid_grant_means_reconnect_required(sandbox, make_client):
	tokens = TokenSet.from_response(sandbox.issue_tokens(sandbox.realm_ids[0]))
	sandbox.revoke_refresh_tokens()
	expired = TokenSet(tokens.access_token, tokens.refresh_token, access_expires_at=0)
	with pytest.raises(errors.ReconnectRequired) as raised:
		make_client(sandbox, tokens=expired)
	assert tokens.refresh_token not in str(raised.value)


def test_cdc_reports_a_merge(sandbox, client):
	a = client.create("Customer", {"DisplayName": "Merge Keeper"}, request_id="m1")
	b = client.create("Customer", {"DisplayName": "Merge Keeper 2"}, request_id="m2")
	since = "2000-01-01T00:00:00+00:00"
	sandbox.merge(sandbox.realm_ids[0], b["Id"], a["Id"])
	try:
		changed = client.cdc(["Customer"], since)
	except errors.ValidationFailed:  # changedSince older than 30 days is refused: use a recent one
		changed = client.cdc(["Customer"], client.company_info()["MetaData"]["CreateTime"])
	ids = {row["Id"] for row in changed.get("Customer", [])}
	assert b["Id"] in ids


def test_a_refused_token_is_not_echoed_into_the_error(sandbox):
	"""The gateway's 401 body repeats the start of the token; our error keeps none of it."""
	token = sandbox.issue_tokens(sandbox.realm_ids[0])["access_token"]
	sandbox.expire_access_tokens()
	url = f"{sandbox.api_url_v3}/company/{sandbox.realm_ids[0]}/companyinfo/{sandbox.realm_ids[0]}"
	response = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
	assert response.status_code == 401 and token[:8] in response.text
	with pytest.raises(errors.AuthExpired) as raised:
		triage_response(response)
	assert token[:8] not in str(raised.value)
