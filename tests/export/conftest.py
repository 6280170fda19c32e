"""Fixtures for export tests against the offline sandbox over HTTP, and a ledger playing the Frappe layer
(it keeps outcomes and in-flight marks the way the sync job persists them)."""

from __future__ import annotations

import pytest

from qbo_connector.engine.client import ClientConfig, QBOClient
from qbo_connector.engine.export import Exporter
from qbo_connector.engine.limiter import RateLimiter
from qbo_connector.engine.records import FAILED, HELD, NEEDS_REVIEW, SYNCED, VOIDED, WAITING
from qbo_connector.engine.tokens import MemoryTokenStore, TokenSet
from qbo_connector.sandbox import Sandbox

from .factories import settings

US_REALM = "9341453050000001"
INTL_REALM = "9341453050000009"


def intl_seed() -> dict:
	"""A non-US (UK-style VAT) company with multicurrency, a rounding item and customers in GBP and EUR."""
	return {
		"realms": [
			{
				"realm_id": INTL_REALM,
				"company": {"CompanyName": "Sandbox UK", "Country": "GB"},
				"preferences": {
					"CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "GBP"}}
				},
				"exchange_rates": {"EUR": 0.85},
				"accounts": [{"Id": "1", "Name": "Sales", "AccountType": "Income"}],
				"tax_rates": [
					{"Id": "1", "Name": "VAT 20%", "RateValue": 20},
					{"Id": "2", "Name": "Zero", "RateValue": 0},
				],
				"tax_codes": [
					{
						"Id": "20",
						"Name": "20.0% S",
						"SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "1"}}]},
					},
					{
						"Id": "0",
						"Name": "0.0% Z",
						"SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "2"}}]},
					},
				],
				"items": [
					{"Id": "1", "Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
					{"Id": "2", "Name": "Widgets", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
					{"Id": "99", "Name": "Rounding", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
				],
				"customers": [
					{"Id": "1", "DisplayName": "Acme Ltd"},
					{"Id": "2", "DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}},
				],
			}
		]
	}


def intl_settings(**kw):
	base = dict(
		home_currency="GBP",
		multicurrency=True,
		default_item_id="1",
		item_map={"WIDGET": "2"},
		tax_map={"VAT 20%": "20", "VAT - C": "20", "Zero Rated": "0"},
		default_tax_code="20",
		zero_tax_code="0",
		rounding_item_id="99",
	)
	base.update(kw)
	return settings(**base)


def us_settings(**kw):
	base = dict(
		us_company=True, tax_map={"CA Sales Tax": "TAX"}, automated_sales_tax=True, default_tax_code=""
	)
	base.update(kw)
	return settings(**base)


def make_client(sb: Sandbox, realm: str, time_scale: float = 1.0, **limiter_kw) -> QBOClient:
	client_id, secret = sb.default_client
	config = ClientConfig(
		client_id, secret, "http://localhost/cb", realm_id=realm, environment="custom", base_url=sb.url
	)
	store = MemoryTokenStore(TokenSet.from_response(sb.issue_tokens(realm)))
	return QBOClient(config, store, limiter=RateLimiter(realm, time_scale=time_scale, **limiter_kw))


class Ledger:
	"""What the Frappe layer keeps: the last outcome per invoice, the in-flight marks and each record's
	revision (its count of definitive answers, part of every requestid)."""

	def __init__(self):
		self.outcomes = {}
		self.in_flight: set[str] = set()
		self.history = []
		self.revisions: dict[str, int] = {}

	def on_outcome(self, outcome) -> None:
		self.outcomes[outcome.name] = outcome
		self.history.append(outcome)
		self.in_flight.discard(outcome.name)
		if outcome.status in (HELD, FAILED, NEEDS_REVIEW, WAITING):
			self.revisions[outcome.name] = self.revisions.get(outcome.name, 0) + 1

	def on_in_flight(self, names) -> None:
		self.in_flight.update(names)

	def write_back(self, invoices) -> None:
		"""Copy QBO ids onto the records, as the sync job saves them on the documents."""
		for inv in invoices:
			if inv.name in self.revisions:
				inv.revision = str(self.revisions[inv.name])
			outcome = self.outcomes.get(inv.name)
			if outcome and outcome.status in (SYNCED, VOIDED) and outcome.qbo_id:
				inv.qbo_id, inv.qbo_sync_token = outcome.qbo_id, outcome.qbo_sync_token
				inv.qbo_doc_number = outcome.doc_number

	def status(self, name: str) -> str:
		return self.outcomes[name].status if name in self.outcomes else ""


def exporter_for(client, cfg, ledger: Ledger, **kw) -> Exporter:
	return Exporter(
		client, cfg, on_outcome=ledger.on_outcome, on_in_flight=ledger.on_in_flight, backoff=0.05, **kw
	)


def invoices_in(sb: Sandbox, realm: str, entity: str = "Invoice") -> list[dict]:
	return sb.dump(realm)[entity]


@pytest.fixture
def us():
	sandbox = Sandbox(port=0).start()
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


@pytest.fixture
def intl():
	sandbox = Sandbox(seed=intl_seed(), port=0).start()
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]
