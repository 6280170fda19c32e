"""Fixtures: a fresh sandbox per test over real HTTP, plus a small raw client."""

from __future__ import annotations

import pytest
import requests

from qbo_connector.sandbox import Sandbox


class Raw:
	"""requests against one realm with a valid bearer token."""

	def __init__(self, sb: Sandbox, realm: str | None = None):
		self.sb = sb
		self.realm = realm or sb.realm_ids[0]
		self.token = sb.issue_tokens(self.realm)["access_token"]
		self.http = requests.Session()

	def url(self, path: str) -> str:
		return f"{self.sb.api_url_v3}/company/{self.realm}/{path.lstrip('/')}"

	def headers(self, **extra) -> dict:
		return {"Authorization": f"Bearer {self.token}", "Accept": "application/json", **extra}

	def get(self, path: str, **params) -> requests.Response:
		return self.http.get(
			self.url(path), params={"minorversion": 75, **params}, headers=self.headers(), timeout=5
		)

	def post(self, path: str, body, **params) -> requests.Response:
		return self.http.post(
			self.url(path),
			json=body,
			params={"minorversion": 75, **params},
			headers=self.headers(),
			timeout=5,
		)

	def query(self, text: str) -> requests.Response:
		return self.http.post(
			self.url("query"),
			data=text,
			headers=self.headers(**{"Content-Type": "application/text"}),
			timeout=5,
		)

	def rows(self, text: str) -> list[dict]:
		response = self.query(text)
		assert response.status_code == 200, response.text
		payload = response.json()["QueryResponse"]
		return next((value for key, value in payload.items() if isinstance(value, list)), [])

	def create(self, entity: str, body: dict, **params) -> dict:
		response = self.post(entity.lower(), body, **params)
		assert response.status_code == 200, response.text
		return response.json()[entity]


def fault_of(response: requests.Response) -> dict:
	assert response.status_code >= 400, response.text
	return response.json()["Fault"]["Error"][0]


@pytest.fixture
def sb():
	sandbox = Sandbox(port=0).start()
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


@pytest.fixture
def raw(sb) -> Raw:
	return Raw(sb)


US_REALM = "9341453050000001"
AU_REALM = "9341453050000002"


def au_seed(multicurrency: bool = False) -> dict:
	"""A non-US (Australian) realm with GST and an FX customer."""
	return {
		"realms": [
			{
				"realm_id": AU_REALM,
				"company": {"CompanyName": "Sandbox AU", "Country": "AU"},
				"preferences": {
					"CurrencyPrefs": {"MultiCurrencyEnabled": multicurrency, "HomeCurrency": {"value": "AUD"}}
				},
				"exchange_rates": {"USD": 1.5},
				"accounts": [{"Id": "1", "Name": "Sales", "AccountType": "Income"}],
				"tax_rates": [{"Id": "1", "Name": "GST (sales)", "RateValue": 10}],
				"tax_codes": [
					{
						"Id": "10",
						"Name": "GST",
						"SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "1"}}]},
					},
					{"Id": "11", "Name": "FRE", "SalesTaxRateList": {"TaxRateDetail": []}},
					{"Id": "12", "Name": "OLD", "Active": False},
				],
				"items": [
					{"Id": "1", "Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
				],
				"customers": [{"Id": "1", "DisplayName": "Kangaroo Pty"}]
				+ (
					[{"Id": "2", "DisplayName": "Yankee Inc", "CurrencyRef": {"value": "USD"}}]
					if multicurrency
					else []
				),
			}
		]
	}
