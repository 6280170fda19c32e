"""Intuit's throttles, the 401 gateway body and scripted faults (429 JSON/XML, 500, 503, timeout)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from qbo_connector.sandbox import Sandbox
from tests.sandbox.conftest import Raw


@pytest.fixture
def limited():
	sandbox = Sandbox(limits="intuit", time_scale=1.0).start()
	yield Raw(sandbox)
	sandbox.stop()


def test_500_requests_per_minute_then_429(limited):
	session = limited.http
	url = limited.url("companyinfo/" + limited.realm)
	statuses = []
	for _ in range(500):  # 10 a virtual second: under Intuit's per-second limit, over its per-minute one
		statuses.append(session.get(url, headers=limited.headers(), timeout=5).status_code)
		limited.sb.advance_clock(0.1)
	assert set(statuses) == {200}
	refused = limited.get("companyinfo/" + limited.realm)
	assert refused.status_code == 429
	limited.sb.advance_clock(61)
	assert limited.get("companyinfo/" + limited.realm).status_code == 200


def test_throttle_bodies_alternate_json_and_xml(limited):
	limited.sb.configure(requests_per_minute=1)
	assert limited.get("preferences").status_code == 200
	first, second = limited.get("preferences"), limited.get("preferences")
	assert first.status_code == second.status_code == 429
	error = first.json()["Fault"]["Error"][0]
	assert first.json()["Fault"]["type"] == "SERVICE" and error["code"] == "3001"
	assert error["Message"] == "message=ThrottleExceeded; errorCode=003001; statusCode=429"
	assert error["Detail"] == "The request limit was reached."
	assert second.headers["Content-Type"].startswith("application/xml")
	assert '<Fault type="SERVICE"><Error code="3001">' in second.text and "<IntuitResponse" in second.text
	limited.sb.configure(throttle_format="json")
	assert limited.get("preferences").headers["Content-Type"].startswith("application/json")


def test_time_scale_shrinks_the_window():
	sandbox = Sandbox(limits="intuit", time_scale=60).start()
	try:
		raw = Raw(sandbox)
		sandbox.configure(requests_per_minute=3)
		assert [raw.get("preferences").status_code for _ in range(4)] == [200, 200, 200, 429]
		time.sleep(1.05)  # one virtual minute
		assert raw.get("preferences").status_code == 200
	finally:
		sandbox.stop()


def test_40_batches_per_minute(limited):
	body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Item"}]}
	statuses = []
	for _ in range(41):  # paced under the 10-per-second limit
		statuses.append(limited.post("batch", body).status_code)
		limited.sb.advance_clock(0.1)
	assert statuses[:40] == [200] * 40 and statuses[40] == 429
	assert limited.get("preferences").status_code == 200  # other calls still pass


def test_ten_in_flight(limited):
	limited.sb.configure(latency=0.6)
	results = []
	start = threading.Barrier(14)

	def call():
		start.wait()
		response = requests.get(limited.url("preferences"), headers=limited.headers(), timeout=5)
		results.append(response.status_code)

	threads = [threading.Thread(target=call) for _ in range(14)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert results.count(200) == 10 and results.count(429) == 4


def test_limits_can_be_switched_off_at_runtime(limited):
	limited.sb.configure(requests_per_minute=1)
	limited.get("preferences")
	assert limited.get("preferences").status_code == 429
	limited.sb.set_limits("off")
	assert limited.get("preferences").status_code == 200


def test_401_gateway_body(raw, sb):
	raw.token = "nonsense"
	response = raw.get("preferences")
	assert response.status_code == 401 and "WWW-Authenticate" in response.headers
	error = response.json()["fault"]["error"][0]
	assert (
		error["code"] == "3200"
		and error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
	)
	assert response.json()["fault"]["type"] == "AUTHENTICATION"
	assert requests.get(raw.url("preferences"), timeout=5).status_code == 401  # no header at all
	other = Raw(sb)
	other.realm = "123"
	assert other.get("preferences").status_code == 401  # token of another realm
	raw.token = sb.issue_tokens(raw.realm)["access_token"]
	sb.expire_access_tokens()
	assert raw.get("preferences").json()["fault"]["error"][0]["detail"].startswith("Token expired")


@pytest.mark.parametrize(
	("fault", "status", "content_type"),
	[
		("429", 429, "application/json"),
		("429xml", 429, "application/xml"),
		("500", 500, "application/json"),
		("503", 503, "text/html"),
	],
)
def test_scripted_faults(sb, raw, fault, status, content_type):
	sb.script_fault(fault, count=2, kind="query")
	assert raw.get("preferences").status_code == 200  # other kinds unaffected
	for _ in range(2):
		response = raw.query("select * from Customer")
		assert response.status_code == status and response.headers["Content-Type"].startswith(content_type)
	assert raw.query("select * from Customer").status_code == 200


def test_scripted_fault_filters_by_path(sb, raw):
	sb.script_fault("500", path="/invoice")
	assert raw.post("customer", {"DisplayName": "Path Filter"}).status_code == 200
	line = {"DetailType": "SalesItemLineDetail", "Amount": 1, "SalesItemLineDetail": {}}
	assert raw.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}).status_code == 500


def test_timeout_after_execution_then_requestid_replay(sb, raw):
	sb.script_fault("timeout", kind="create", delay=0.4, after=True)
	with pytest.raises(requests.exceptions.RequestException):
		raw.http.post(
			raw.url("customer"),
			json={"DisplayName": "Lost Reply"},
			params={"requestid": "lost-1"},
			headers=raw.headers(),
			timeout=0.2,
		)
	assert len(raw.rows("select * from Customer where DisplayName = 'Lost Reply'")) == 1  # it did happen
	replay = raw.post("customer", {"DisplayName": "Lost Reply"}, requestid="lost-1")
	assert replay.status_code == 200 and replay.json()["Customer"]["DisplayName"] == "Lost Reply"
	assert len(raw.rows("select * from Customer where DisplayName = 'Lost Reply'")) == 1


def test_timeout_drops_the_connection(sb, raw):
	sb.script_fault("timeout", delay=0.1)
	with pytest.raises(requests.exceptions.ConnectionError):
		raw.get("preferences")
	assert raw.get("preferences").status_code == 200


def test_scripted_fault_on_token_endpoint(sb):
	sb.script_fault("503", kind="token")
	client_id, secret = sb.default_client
	refresh = sb.issue_tokens(sb.realm_ids[0])["refresh_token"]
	form = {"grant_type": "refresh_token", "refresh_token": refresh}
	assert (
		requests.post(
			sb.url + "/oauth2/v1/tokens/bearer", data=form, auth=(client_id, secret), timeout=5
		).status_code
		== 503
	)
	assert (
		requests.post(
			sb.url + "/oauth2/v1/tokens/bearer", data=form, auth=(client_id, secret), timeout=5
		).status_code
		== 200
	)


def test_ten_requests_per_second(limited):
	"""Intuit: 10 requests per second per realm ID and app; a refused request is not counted."""
	assert [limited.get("preferences").status_code for _ in range(11)] == [200] * 10 + [429]
	limited.sb.advance_clock(1.01)
	assert limited.get("preferences").status_code == 200
	limited.sb.configure(requests_per_second=0)
	assert {limited.get("preferences").status_code for _ in range(12)} == {200}
