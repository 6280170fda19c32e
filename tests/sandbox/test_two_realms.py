"""Two companies (realms) in one sandbox, seeded from one seed: each has its own tokens, Id sequences, CDC,
requestid answers, limiter windows and scripted faults. Nothing one realm does is seen by the other."""

from __future__ import annotations

import threading

import pytest
import requests

from qbo_connector.sandbox import Sandbox
from qbo_connector.sandbox.sample_data import INTL_REALM as SAMPLE_INTL
from qbo_connector.sandbox.sample_data import US_REALM as SAMPLE_US
from qbo_connector.sandbox.samples import sample_seed
from qbo_connector.sandbox.seed import read_seed
from tests.sandbox.conftest import AU_REALM, US_REALM, Raw, au_seed, fault_of


def two_realm_seed() -> dict:
	"""The default US company and a non-US (Australian) one, in one seed."""
	return {"realms": read_seed(None)["realms"] + au_seed()["realms"]}


@pytest.fixture
def two():
	sandbox = Sandbox(seed=two_realm_seed(), port=0).start()
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


@pytest.fixture
def us(two) -> Raw:
	return Raw(two, US_REALM)


@pytest.fixture
def au(two) -> Raw:
	return Raw(two, AU_REALM)


def names(raw: Raw, entity: str) -> set[str]:
	field = "DisplayName" if entity == "Customer" else "Name"
	return {row[field] for row in raw.rows(f"select * from {entity}")}


def test_one_seed_two_companies():
	sandbox = Sandbox(seed=sample_seed("both"))
	assert sandbox.realm_ids == [SAMPLE_US, SAMPLE_INTL]
	us_company, intl_company = (sandbox.dump(realm) for realm in sandbox.realm_ids)
	assert us_company["CompanyInfo"]["Country"] == "US" and intl_company["CompanyInfo"]["Country"] != "US"
	assert us_company["CompanyInfo"]["CompanyName"] != intl_company["CompanyInfo"]["CompanyName"]
	us_codes = {c["Name"] for c in us_company["TaxCode"]}
	intl_codes = {c["Name"] for c in intl_company["TaxCode"]}
	assert us_codes and intl_codes and not us_codes & intl_codes
	assert us_company["Preferences"]["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"
	assert intl_company["Preferences"]["CurrencyPrefs"]["HomeCurrency"]["value"] == "GBP"


def test_each_realm_answers_with_its_own_company(us, au):
	assert us.get(f"companyinfo/{US_REALM}").json()["CompanyInfo"]["Country"] == "US"
	assert au.get(f"companyinfo/{AU_REALM}").json()["CompanyInfo"]["CompanyName"] == "Sandbox AU"
	assert names(au, "Customer") == {"Kangaroo Pty"}
	assert "Kangaroo Pty" not in names(us, "Customer")
	assert names(au, "TaxCode") == {"GST", "FRE"} and "TAX" in names(us, "TaxCode")


def test_a_token_is_refused_on_another_realms_urls(two, us, au):
	"""Intuit: the incorrect token/realm combination answers 401, fault 100 (see oauth.WRONG_REALM)."""
	for raw, other in ((us, AU_REALM), (au, US_REALM)):
		crossed = requests.get(
			f"{two.api_url_v3}/company/{other}/companyinfo/{other}", headers=raw.headers(), timeout=5
		)
		assert crossed.status_code == 401
		assert fault_of(crossed) == {
			"Message": "General Authentication Error",
			"Detail": "AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401",
			"code": "100",
		}
		assert crossed.json()["Fault"]["type"] == "AuthenticationFault"
		write = requests.post(
			f"{two.api_url_v3}/company/{other}/customer",
			json={"DisplayName": "Intruder"},
			headers=raw.headers(),
			timeout=5,
		)
		assert write.status_code == 401
	assert "Intruder" not in names(us, "Customer") | names(au, "Customer")
	assert us.get("preferences").status_code == au.get("preferences").status_code == 200


def test_a_refreshed_token_keeps_its_realm(two, us):
	refresh = two.issue_tokens(US_REALM)["refresh_token"]
	answer = requests.post(
		two.url + "/oauth2/v1/tokens/bearer",
		data={"grant_type": "refresh_token", "refresh_token": refresh},
		auth=two.default_client,
		timeout=5,
	)
	assert answer.status_code == 200
	us.token = answer.json()["access_token"]
	assert us.get("preferences").status_code == 200
	us.realm = AU_REALM
	assert fault_of(us.get("preferences"))["code"] == "100"


def test_id_sequences_are_per_realm(two, us, au):
	au_next = int(max(c["Id"] for c in two.dump(AU_REALM)["Customer"])) + 1
	us_ids = [us.create("Customer", {"DisplayName": f"US Only {n}"})["Id"] for n in range(3)]
	created = au.create("Customer", {"DisplayName": "AU Only"})
	assert created["Id"] == str(au_next)
	assert us.create("Customer", {"DisplayName": "US Only 3"})["Id"] == str(int(us_ids[-1]) + 1)


def test_cdc_is_per_realm(two, us, au):
	two.advance_clock(10)
	since = two.clock.stamp()
	two.advance_clock(10)
	made = us.create("Customer", {"DisplayName": "Changed In US"})
	# Id 1 is a customer in both realms (Amy's Bird Sanctuary in the US, Kangaroo Pty in AU): edit the US one
	edit = {"Id": "1", "SyncToken": "0", "sparse": True, "Notes": "edited in the US"}
	assert us.post("customer", edit).status_code == 200
	au_changes = au.get("cdc", entities="Customer", changedSince=since).json()
	assert au_changes["CDCResponse"][0]["QueryResponse"] == [{}]
	us_changes = us.get("cdc", entities="Customer", changedSince=since).json()
	changed = us_changes["CDCResponse"][0]["QueryResponse"][0]["Customer"]
	assert [c["Id"] for c in changed] == [made["Id"], "1"]


def test_requestid_answers_are_kept_per_realm(two, us, au):
	first = us.post("customer", {"DisplayName": "Same Request"}, requestid="shared-id")
	second = au.post("customer", {"DisplayName": "Same Request"}, requestid="shared-id")
	assert first.status_code == second.status_code == 200
	assert "Same Request" in names(us, "Customer") and "Same Request" in names(au, "Customer")
	assert not two.request_log[-3]["replayed"]  # the AU write ran (the last two entries are the queries)
	again = au.post("customer", {"DisplayName": "Same Request"}, requestid="shared-id")
	assert again.json() == second.json() and two.request_log[-1]["replayed"]


def test_requestid_answers_shared_by_the_app_when_switched(two, us, au):
	"""The case Intuit leaves unsaid: one cache for every company of the app."""
	two.configure(replay_scope="app")
	first = us.post("customer", {"DisplayName": "Same Request"}, requestid="shared-id")
	second = au.post("customer", {"DisplayName": "Same Request"}, requestid="shared-id")
	assert second.json() == first.json() and two.request_log[-1]["replayed"]
	assert "Same Request" not in names(au, "Customer")


def test_limiter_windows_are_per_realm(two, us, au):
	two.configure(limits="intuit", requests_per_minute=3, requests_per_second=0, batches_per_minute=1)
	assert [us.get("preferences").status_code for _ in range(4)] == [200, 200, 200, 429]
	assert au.get("preferences").status_code == 200
	two.configure(requests_per_minute=500)
	body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Item"}]}
	assert [au.post("batch", body).status_code for _ in range(2)] == [200, 429]
	assert us.post("batch", body).status_code == 200


def test_in_flight_limit_is_per_realm(two, us, au):
	two.configure(limits="intuit", latency=0.6, concurrent=2)
	results: dict[str, list[int]] = {"us": [], "au": []}
	start = threading.Barrier(5)

	def call(raw: Raw, key: str) -> None:
		start.wait()
		response = requests.get(raw.url("preferences"), headers=raw.headers(), timeout=5)
		results[key].append(response.status_code)

	threads = [threading.Thread(target=call, args=(us, "us")) for _ in range(3)]
	threads += [threading.Thread(target=call, args=(au, "au")) for _ in range(2)]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	assert sorted(results["us"]) == [200, 200, 429]
	assert results["au"] == [200, 200]


def test_expiry_and_revocation_of_one_realm(two, us, au):
	au_refresh = two.issue_tokens(AU_REALM)["refresh_token"]
	us_refresh = two.issue_tokens(US_REALM)["refresh_token"]
	two.expire_access_tokens(US_REALM)
	assert us.get("preferences").status_code == 401
	assert au.get("preferences").status_code == 200
	assert two.revoke_refresh_tokens(US_REALM) >= 1

	def refresh(token: str) -> requests.Response:
		return requests.post(
			two.url + "/oauth2/v1/tokens/bearer",
			data={"grant_type": "refresh_token", "refresh_token": token},
			auth=two.default_client,
			timeout=5,
		)

	assert refresh(us_refresh).json()["error"] == "invalid_grant"
	assert refresh(au_refresh).status_code == 200
	assert au.get("preferences").status_code == 200


def test_scripted_fault_for_one_realm(two, us, au):
	two.script_fault("429", count=1, realm=US_REALM)
	assert au.get("preferences").status_code == 200
	assert us.get("preferences").status_code == 429
	assert us.get("preferences").status_code == 200
