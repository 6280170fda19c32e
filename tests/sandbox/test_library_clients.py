"""The unmodified intuit-oauth and python-quickbooks clients against the sandbox, by configuration alone."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import AuthorizationException, QuickbooksException, ValidationException
from quickbooks.objects.base import Ref
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.invoice import Invoice

from qbo_connector.sandbox.entities import PROPERTIES

REDIRECT = "https://erp.example.invalid/api/method/qbo_connector.oauth.callback"


@pytest.fixture(autouse=True)
def insecure_transport(monkeypatch):
	monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def auth_client(sb) -> AuthClient:
	client_id, secret = sb.default_client
	return AuthClient(client_id, secret, REDIRECT, environment=sb.discovery_url)


def connect(sb) -> tuple[AuthClient, str]:
	"""The whole consent flow: authorize URL -> consent page -> Connect -> redirect -> token exchange."""
	ac = auth_client(sb)
	url = ac.get_authorization_url([Scopes.ACCOUNTING], state_token="xyz-state")
	page = requests.get(url, timeout=5)
	assert page.status_code == 200 and 'id="connect"' in page.text and ">Connect<" in page.text
	form = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
	approved = requests.post(
		sb.url + "/connect/oauth2", data={**form, "action": "connect"}, allow_redirects=False, timeout=5
	)
	assert approved.status_code == 302
	location = urlparse(approved.headers["Location"])
	assert location.geturl().startswith(REDIRECT)
	params = {k: v[0] for k, v in parse_qs(location.query).items()}
	assert params["state"] == "xyz-state"
	ac.get_bearer_token(params["code"], realm_id=params["realmId"])
	return ac, params["realmId"]


def client(sb, ac: AuthClient, realm: str) -> QuickBooks:
	qb = QuickBooks(auth_client=ac, refresh_token=ac.refresh_token, company_id=realm, minorversion=75)
	qb.api_url_v3 = sb.api_url_v3
	return qb


def test_oauth_code_flow_gives_working_tokens(sb):
	ac, realm = connect(sb)
	assert realm == sb.realm_ids[0]
	assert ac.access_token and ac.refresh_token
	assert ac.expires_in == 3600 and ac.x_refresh_token_expires_in == 8726400
	qb = client(sb, ac, realm)
	names = [c.DisplayName for c in Customer.all(qb=qb)]
	assert "Amy's Bird Sanctuary" in names and "Cool Cars" not in names  # inactive hidden by default


def test_code_is_single_use(sb):
	ac = auth_client(sb)
	url = ac.get_authorization_url([Scopes.ACCOUNTING], state_token="s1")
	form = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
	location = requests.post(
		sb.url + "/connect/oauth2", data={**form, "action": "connect"}, allow_redirects=False
	).headers["Location"]
	code = parse_qs(urlparse(location).query)["code"][0]
	ac.get_bearer_token(code)
	with pytest.raises(AuthClientError) as err:
		ac.get_bearer_token(code)
	assert err.value.status_code == 400 and b"invalid_grant" in err.value.content


def test_refresh_rotates_and_old_token_dies_after_grace(sb):
	ac, _realm = connect(sb)
	first = ac.refresh_token
	ac.refresh()
	second = ac.refresh_token
	assert second != first
	ac.refresh(refresh_token=first)  # still inside the grace period
	sb.advance_clock(sb.refresh_grace + 1)
	with pytest.raises(AuthClientError) as err:
		ac.refresh(refresh_token=first)
	assert err.value.status_code == 400 and b"invalid_grant" in err.value.content
	ac.refresh(refresh_token=second)  # the newest one was never superseded... until now
	with pytest.raises(AuthClientError):
		sb.advance_clock(sb.refresh_grace + 1)
		ac.refresh(refresh_token=second)


def test_expired_access_token_gives_401_then_refresh_recovers(sb):
	ac, realm = connect(sb)
	qb = client(sb, ac, realm)
	sb.advance_clock(3601)
	with pytest.raises(AuthorizationException) as err:
		Customer.all(qb=qb)
	assert err.value.error_code == 401 and "3200" in err.value.detail
	assert json.loads(err.value.detail)["fault"]["error"][0]["detail"].startswith("Token expired")
	ac.refresh()
	qb = client(sb, ac, realm)
	assert Customer.all(qb=qb)


def test_bad_client_secret_is_invalid_client(sb):
	ac, _ = connect(sb)
	ac.client_secret = "wrong"
	with pytest.raises(AuthClientError) as err:
		ac.refresh()
	assert err.value.status_code == 401 and b"invalid_client" in err.value.content


def test_revoke_kills_the_family(sb):
	ac, realm = connect(sb)
	qb = client(sb, ac, realm)
	assert ac.revoke(token=ac.refresh_token)
	with pytest.raises(AuthorizationException):
		Customer.all(qb=qb)
	with pytest.raises(AuthClientError) as err:
		ac.refresh()
	assert b"invalid_grant" in err.value.content


def test_create_query_and_update_with_library_objects(sb):
	ac, realm = connect(sb)
	qb = client(sb, ac, realm)
	customer = Customer()
	customer.DisplayName = "O'Brien Plumbing"
	customer.CompanyName = "O'Brien Plumbing"
	saved = customer.save(qb=qb)
	assert saved.Id and saved.SyncToken == "0"
	found = Customer.filter(DisplayName="O'Brien Plumbing", qb=qb)
	assert [c.Id for c in found] == [saved.Id]
	assert (
		Customer.query("SELECT * FROM Customer WHERE DisplayName = 'o\\'brien plumbing'", qb=qb)[0].Id
		== saved.Id
	)
	saved.Notes = "updated"
	again = saved.save(qb=qb)
	assert again.SyncToken == "1" and again.Notes == "updated"

	invoice = Invoice()
	line = SalesItemLine()
	line.Amount = 150
	line.SalesItemLineDetail = SalesItemLineDetail()
	line.SalesItemLineDetail.ItemRef = Ref()
	line.SalesItemLineDetail.ItemRef.value = "2"
	line.SalesItemLineDetail.Qty = 2
	line.SalesItemLineDetail.UnitPrice = 75
	invoice.Line.append(line)
	invoice.CustomerRef = saved.to_ref()
	invoice.DocNumber = "ACC-SINV-2026-00001"
	created = invoice.save(qb=qb)
	assert created.TotalAmt == 150 and created.Balance == 150 and created.DocNumber == "ACC-SINV-2026-00001"
	listed = Invoice.query("select * from Invoice where DocNumber IN ('ACC-SINV-2026-00001', 'nope')", qb=qb)
	assert [i.Id for i in listed] == [created.Id]
	assert Customer.get(saved.Id, qb=qb).Balance == 150


def test_library_sees_fault_codes(sb):
	ac, realm = connect(sb)
	qb = client(sb, ac, realm)
	duplicate = Customer()
	duplicate.DisplayName = "Emily Platt"  # an employee's name
	with pytest.raises(QuickbooksException) as err:
		duplicate.save(qb=qb)
	assert err.value.error_code == 6240 and "Id=6" in err.value.detail


def test_batch_create_30_with_one_duplicate(sb):
	ac, realm = connect(sb)
	qb = client(sb, ac, realm)
	customers = []
	for number in range(30):
		customer = Customer()
		customer.DisplayName = f"Batch Customer {number:02d}" if number != 17 else "Bill's Windsurf Shop"
		customers.append(customer)
	result = batch_create(customers, qb=qb)
	assert len(result.successes) == 29 and len(result.faults) == 1
	fault = result.faults[0]
	assert fault.Error[0].code == "6240" and "Id=2" in fault.Error[0].Detail
	assert fault.original_object.DisplayName == "Bill's Windsurf Shop"
	assert sb.request_log[-1]["kind"] == "batch" and sb.request_log[-1]["batch_items"] == 30


def test_cdc_with_library(sb):
	ac, realm = connect(sb)
	qb = client(sb, ac, realm)
	sb.advance_clock(5)
	since = sb.clock.stamp()
	sb.advance_clock(5)
	customer = Customer()
	customer.DisplayName = "Changed Later"
	customer.save(qb=qb)
	result = change_data_capture([Customer, Invoice], since, qb=qb)
	assert [c.DisplayName for c in result.Customer] == ["Changed Later"]
	assert not hasattr(result, "Invoice")


def test_xml_throttle_reaches_library_as_unreadable_json(sb):
	ac, realm = connect(sb)
	qb = client(sb, ac, realm)
	sb.script_fault("429xml", kind="query")
	with pytest.raises(QuickbooksException) as err:
		Customer.all(qb=qb)
	assert err.value.error_code == 10000 and "ThrottleExceeded" in err.value.message


def test_library_objects_only_carry_known_properties(sb):
	"""Every attribute of python-quickbooks' Customer and Invoice is a QBO property the sandbox accepts."""
	for cls in (Customer, Invoice):
		carried = set(vars(cls())) | set(cls.class_dict) | set(getattr(cls, "list_dict", {}))
		assert carried <= PROPERTIES[cls.qbo_object_name], carried - PROPERTIES[cls.qbo_object_name]
	ac, realm = connect(sb)
	qb = client(sb, ac, realm)
	invoice = Invoice()
	line = SalesItemLine()
	line.Amount = 10
	line.SalesItemLineDetail = SalesItemLineDetail()
	invoice.Line.append(line)
	invoice.CustomerRef = Customer.get("1", qb=qb).to_ref()
	created = invoice.save(qb=qb)
	fetched = Invoice.get(created.Id, qb=qb)
	fetched.PrivateNote = "resent whole"
	assert fetched.save(qb=qb).SyncToken == "1"
	odd = Customer()
	odd.DisplayName = "Odd Attribute"
	odd.Nickname = "x"
	with pytest.raises(ValidationException) as err:
		odd.save(qb=qb)
	assert err.value.error_code == 2010 and 'Unrecognized field "Nickname"' in err.value.detail
