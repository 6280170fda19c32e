"""Control API, seeds, CLI, OAuth edge cases and malformed requests."""

from __future__ import annotations

import json
import socket
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from qbo_connector.sandbox import Sandbox, SeedError
from qbo_connector.sandbox.cli import run
from tests.sandbox.conftest import Raw, fault_of


def control(sb, method: str, name: str, body=None, **params) -> requests.Response:
	return requests.request(method, f"{sb.url}/_sandbox/{name}", json=body, params=params, timeout=5)


def test_control_api_round_trip(sb, raw):
	assert control(sb, "GET", "info").json()["realms"] == sb.realm_ids
	raw.create("Customer", {"DisplayName": "Logged"})
	log = control(sb, "GET", "log", since=0).json()
	assert log["entries"][-1]["kind"] == "create" and log["entries"][-1]["status"] == 200
	assert control(sb, "GET", "log", since=log["next"]).json()["entries"] == []
	dump = control(sb, "GET", f"dump/{raw.realm}").json()
	assert "Logged" in [c["DisplayName"] for c in dump["Customer"]]
	before = sb.clock.now()
	assert control(sb, "POST", "clock/advance", {"seconds": 3600}).json()["now"] >= before + 3600
	assert raw.get("preferences").status_code == 401  # the token expired with the jump
	tokens = control(sb, "POST", "tokens/issue", {"realm": raw.realm}).json()
	raw.token = tokens["access_token"]
	assert raw.get("preferences").status_code == 200
	control(sb, "POST", "tokens/expire")
	assert raw.get("preferences").status_code == 401
	settings = control(
		sb, "POST", "settings", {"limits": "intuit", "time_scale": 2, "refresh_grace": 60}
	).json()
	assert settings["limits"] == "intuit" and settings["time_scale"] == 2 and sb.refresh_grace == 60
	assert control(sb, "POST", "settings", {"bogus": 1}).status_code == 400
	assert control(sb, "POST", "faults", {"fault": "500", "count": 1, "kind": "read"}).json()["pending"] == 1
	assert control(sb, "GET", "faults").json()["pending"][0]["fault"] == "500"
	assert control(sb, "POST", "faults", {"fault": "teapot"}).status_code == 400
	control(sb, "POST", "faults/clear")
	control(sb, "POST", "log/clear")
	assert sb.request_log == []
	assert control(sb, "GET", "nothing-here").status_code == 404


def test_control_reset_seed_and_merge(sb, raw):
	raw.create("Customer", {"DisplayName": "Temporary"})
	control(sb, "POST", "reset")
	assert "Temporary" not in [c["DisplayName"] for c in sb.dump(raw.realm)["Customer"]]
	seed = {"realms": [{"realm_id": "42", "customers": [{"DisplayName": "A"}, {"DisplayName": "B"}]}]}
	assert control(sb, "POST", "seed", seed).json()["realms"] == ["42"]
	merged = control(sb, "POST", "merge", {"realm": "42", "from": "1", "into": "2"}).json()
	assert merged["from"]["DisplayName"] == "A (deleted)" and merged["from"]["Active"] is False
	bad = control(sb, "POST", "seed", {"realms": [{"realm_id": "x"}]})
	assert bad.status_code == 400 and "realms[0].realm_id" in bad.json()["error"]


def test_revoke_refresh_tokens_now(sb):
	refresh = sb.issue_tokens(sb.realm_ids[0])["refresh_token"]
	control(sb, "POST", "tokens/revoke")
	response = requests.post(
		sb.url + "/oauth2/v1/tokens/bearer",
		data={"grant_type": "refresh_token", "refresh_token": refresh},
		auth=sb.default_client,
		timeout=5,
	)
	assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
	("seed", "needle"),
	[
		({"realms": []}, "realms"),
		(
			{"realms": [{"realm_id": "1", "customers": [{"DisplayName": "A:B"}]}]},
			"realms[0].customers[0].DisplayName",
		),
		(
			{
				"realms": [
					{"realm_id": "1", "customers": [{"DisplayName": "X"}], "vendors": [{"DisplayName": "x"}]}
				]
			},
			"6240",
		),
		(
			{"realms": [{"realm_id": "1", "invoices": [{"CustomerRef": {"value": "9"}, "Line": []}]}]},
			"realms[0].invoices[0]",
		),
		({"realms": [{"realm_id": "1", "colour": "red"}]}, "colour"),
		({"realms": [{"realm_id": "1"}], "apps": [{"client_id": "a"}]}, "apps[0].client_secret"),
		({"realms": [{"realm_id": "1"}, {"realm_id": "1"}]}, "duplicate realm"),
	],
)
def test_bad_seeds_name_the_offending_path(seed, needle):
	with pytest.raises(SeedError) as err:
		Sandbox(seed=seed)
	assert needle in str(err.value) and isinstance(err.value, ValueError)


def test_seed_from_file_and_bad_files(tmp_path):
	good = tmp_path / "seed.json"
	good.write_text(
		json.dumps({"realms": [{"realm_id": "7"}], "apps": [{"client_id": "c", "client_secret": "s"}]})
	)
	sandbox = Sandbox(seed=str(good))
	assert sandbox.realm_ids == ["7"] and sandbox.default_client == ("c", "s")
	broken = tmp_path / "broken.json"
	broken.write_text("{not json")
	with pytest.raises(SeedError, match="line 1"):
		Sandbox(seed=broken)
	with pytest.raises(SeedError, match="cannot read"):
		Sandbox(seed=tmp_path / "missing.json")


def cli_args(**overrides):
	return SimpleNamespace(
		**{"host": "127.0.0.1", "port": 0, "seed": None, "limits": "off", "time_scale": 1.0, **overrides}
	)


def test_cli_rejects_bad_input_in_one_line(tmp_path, capsys):
	broken = tmp_path / "broken.json"
	broken.write_text("[1, 2")
	assert run(cli_args(seed=str(broken))) == 2
	err = capsys.readouterr().err
	assert err.count("\n") == 1 and "broken.json" in err and "Traceback" not in err
	assert run(cli_args(seed=str(tmp_path / "nope.json"))) == 2
	assert "nope.json" in capsys.readouterr().err
	with socket.socket() as taken:
		taken.bind(("127.0.0.1", 0))
		taken.listen(1)
		assert run(cli_args(port=taken.getsockname()[1])) == 2
	err = capsys.readouterr().err
	assert err.count("\n") == 1 and "cannot listen" in err


def test_discovery_with_trailing_slash(sb):
	doc = requests.get(sb.discovery_url + "/", timeout=5).json()
	assert doc["token_endpoint"] == sb.url + "/oauth2/v1/tokens/bearer" and doc["issuer"] == sb.url
	assert {"authorization_endpoint", "revocation_endpoint", "userinfo_endpoint", "jwks_uri"} <= set(doc)


def authorize_params(sb, **overrides) -> dict:
	client_id, _ = sb.default_client
	params = {
		"client_id": client_id,
		"response_type": "code",
		"scope": "com.intuit.quickbooks.accounting openid",
		"redirect_uri": "https://app.example.invalid/cb",
		"state": "st",
	}
	return {**params, **overrides}


def test_authorize_validation_and_cancel(sb):
	endpoint = sb.url + "/connect/oauth2"
	assert (
		requests.get(endpoint, params=authorize_params(sb, client_id="nobody"), timeout=5).status_code == 400
	)
	assert requests.get(endpoint, params=authorize_params(sb, state=""), timeout=5).status_code == 400
	bad_scope = requests.get(
		endpoint, params=authorize_params(sb, scope="openid"), allow_redirects=False, timeout=5
	)
	assert bad_scope.status_code == 302 and "error=invalid_scope" in bad_scope.headers["Location"]
	cancel = requests.post(
		endpoint, data={**authorize_params(sb), "action": "cancel"}, allow_redirects=False, timeout=5
	)
	query = parse_qs(urlparse(cancel.headers["Location"]).query)
	assert query == {"error": ["access_denied"], "state": ["st"]}


def test_registered_redirect_uris_and_realm_chooser():
	seed = {
		"realms": [{"realm_id": "1"}, {"realm_id": "2", "company": {"CompanyName": "Second"}}],
		"apps": [{"client_id": "c", "client_secret": "s", "redirect_uris": ["https://ok.invalid/cb"]}],
	}
	with Sandbox(seed=seed) as sb:
		endpoint = sb.url + "/connect/oauth2"
		params = authorize_params(sb, redirect_uri="https://ok.invalid/cb")
		assert (
			requests.get(
				endpoint, params={**params, "redirect_uri": "https://evil.invalid/cb"}, timeout=5
			).status_code
			== 400
		)
		page = requests.get(endpoint, params=params, timeout=5).text
		assert '<select id="realm_id"' in page and "Second" in page
		done = requests.post(
			endpoint, data={**params, "action": "connect", "realm_id": "2"}, allow_redirects=False, timeout=5
		)
		query = parse_qs(urlparse(done.headers["Location"]).query)
		assert query["realmId"] == ["2"] and query["state"] == ["st"]
		code = query["code"][0]
		wrong_uri = {
			"grant_type": "authorization_code",
			"code": code,
			"redirect_uri": "https://other.invalid",
		}
		response = requests.post(
			sb.url + "/oauth2/v1/tokens/bearer", data=wrong_uri, auth=("c", "s"), timeout=5
		)
		assert response.json()["error"] == "invalid_grant"


def test_authorization_code_expires(sb):
	endpoint = sb.url + "/connect/oauth2"
	done = requests.post(
		endpoint, data={**authorize_params(sb), "action": "connect"}, allow_redirects=False, timeout=5
	)
	code = parse_qs(urlparse(done.headers["Location"]).query)["code"][0]
	sb.advance_clock(601)
	form = {
		"grant_type": "authorization_code",
		"code": code,
		"redirect_uri": "https://app.example.invalid/cb",
	}
	response = requests.post(
		sb.url + "/oauth2/v1/tokens/bearer", data=form, auth=sb.default_client, timeout=5
	)
	assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
	no_auth = requests.post(sb.url + "/oauth2/v1/tokens/bearer", data=form, timeout=5)
	assert no_auth.status_code == 401 and no_auth.json()["error"] == "invalid_client"


def test_malformed_requests_get_qbo_faults(sb, raw):
	bad_json = raw.http.post(
		raw.url("customer"),
		data="{nope",
		headers=raw.headers(**{"Content-Type": "application/json"}),
		timeout=5,
	)
	assert fault_of(bad_json)["code"] == "2010"
	assert fault_of(raw.post("customer", ["not", "an", "object"]))["code"] == "2010"
	wrong_method = raw.http.delete(raw.url("customer/1"), headers=raw.headers(), timeout=5)
	assert wrong_method.status_code == 400 and fault_of(wrong_method)["code"] == "500"
	unknown = requests.get(sb.url + "/nowhere", timeout=5)
	assert unknown.status_code == 404 and unknown.json()["Fault"]["Error"][0]["code"] == "500"
	assert requests.get(sb.url + "/oauth2/v1/tokens/bearer", timeout=5).json()["error"] == "invalid_request"


def test_python_api_helpers(sb):
	realm = sb.realm_ids[0]
	tokens = sb.issue_tokens(realm)
	assert set(tokens) == {"access_token", "refresh_token", "expires_in", "x_refresh_token_expires_in"}
	assert sb.api_url_v3 == sb.url + "/v3" and sb.discovery_url.startswith(sb.url)
	assert Raw(sb).get("preferences").status_code == 200
	assert sb.request_log[-1] | {"t": 0} == {
		"t": 0,
		"method": "GET",
		"path": f"/v3/company/{realm}/preferences",
		"realm": realm,
		"status": 200,
		"kind": "read",
		"batch_items": 0,
		"requestid": "",
		"replayed": False,
	}
	with pytest.raises(KeyError):
		sb.issue_tokens("nope")
