"""Multicurrency: the export learns each customer's fixed currency; under "a customer per currency" the
per-currency QBO customer is found or created once, and the invoice goes to it."""

from decimal import Decimal

import pytest

from qbo_connector.engine.customers import add_currency_facts
from qbo_connector.engine.export import Exporter
from qbo_connector.engine.invoices import ExportSettings, QBOFacts
from qbo_connector.engine.records import HELD, SYNCED, ERPInvoice, InvoiceLine
from qbo_connector.sandbox import Sandbox

REALM = "4620816365000000777"
SEED = {
	"realms": [
		{
			"realm_id": REALM,
			"company": {"CompanyName": "FX Co", "Country": "US"},
			"preferences": {
				"CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}
			},
			"exchange_rates": {"EUR": 1.1},
			"accounts": [{"Id": "1", "Name": "Sales", "AccountType": "Income"}],
			"items": [{"Id": "1", "Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": "1"}}],
			"tax_codes": [{"Id": "TAX", "Name": "TAX"}, {"Id": "NON", "Name": "NON"}],
			"customers": [{"Id": "1", "DisplayName": "Globo Gym", "CurrencyRef": {"value": "USD"}}],
		}
	]
}


@pytest.fixture
def fx_client(make_client):
	sb = Sandbox(seed=SEED, limits="off").start()
	yield sb, make_client(sb, realm=REALM)
	sb.stop()


def eur_invoice(name):
	line = InvoiceLine("CONSULT", "Consulting", qty=Decimal("2"), rate=Decimal("50"), amount=Decimal("100"))
	return ERPInvoice(
		name=name,
		customer="CUST-GLOBO",
		posting_date="2026-11-20",
		grand_total=Decimal("100"),
		currency="EUR",
		conversion_rate=Decimal("1.1"),
		company_currency="USD",
		lines=[line],
		customer_qbo_id="1",
	)


def export(client, policy, invoices):
	settings = ExportSettings(
		us_company=True, home_currency="USD", multicurrency=True, default_item_id="1", currency_policy=policy
	)
	facts = QBOFacts()
	add_currency_facts(client, settings, facts, invoices)
	outcomes = {}
	Exporter(client, settings, on_outcome=lambda o: outcomes.__setitem__(o.name, o), facts=facts).export(
		invoices
	)
	return outcomes


def test_customer_currency_differs_is_held_with_the_reason(fx_client):
	_sb, client = fx_client
	outcomes = export(client, "error", [eur_invoice("SINV-EUR-1")])
	assert outcomes["SINV-EUR-1"].status == HELD
	assert "USD" in outcomes["SINV-EUR-1"].message and "EUR" in outcomes["SINV-EUR-1"].message


def test_a_customer_per_currency_is_created_once_and_used(fx_client):
	sb, client = fx_client
	first = export(client, "per_currency_customer", [eur_invoice("SINV-EUR-2")])
	second = export(client, "per_currency_customer", [eur_invoice("SINV-EUR-3")])
	assert first["SINV-EUR-2"].status == SYNCED and second["SINV-EUR-3"].status == SYNCED
	customers = sb.dump(REALM)["Customer"]
	eur = [c for c in customers if c["DisplayName"] == "Globo Gym (EUR)"]
	assert len(eur) == 1 and eur[0]["CurrencyRef"]["value"] == "EUR"
	invoices = {i["DocNumber"]: i for i in sb.dump(REALM)["Invoice"]}
	assert invoices["SINV-EUR-2"]["CustomerRef"]["value"] == eur[0]["Id"]
	assert invoices["SINV-EUR-3"]["CustomerRef"]["value"] == eur[0]["Id"]
