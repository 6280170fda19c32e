"""Non-US tax as Intuit documents it ("Manage sales tax for non-US locales"): QuickBooks computes the tax of
each line from its TaxCodeRef and that code's SalesTaxRateList, and returns TxnTaxDetail. What an explicit
TotalTax does outside the US is undocumented: the realm switch `tax_override` ("recompute", the default, or
"prorate") decides, and these tests pin both. See qbo_connector/sandbox/tax.py for the citations."""

from __future__ import annotations

import pytest

from qbo_connector.sandbox import Sandbox
from qbo_connector.sandbox.seed import SeedError
from tests.sandbox.conftest import Raw, fault_of
from tests.sandbox.test_invoices import invoice, sales_line

UK_REALM = "9341453050000044"
STANDARD, REDUCED, ZERO, EXEMPT = "1", "2", "3", "4"  # tax code ids


def uk_seed(**realm) -> dict:
	rate = {"Id": "1", "Name": "20.0% S", "RateValue": 20}
	codes = [
		(STANDARD, "20.0% S", ["1"]),
		(REDUCED, "5.0% R", ["2"]),
		(ZERO, "0.0% Z", ["3"]),
		(EXEMPT, "Exempt", ["4"]),
	]
	return {
		"realms": [
			{
				"realm_id": UK_REALM,
				"company": {"CompanyName": "Sandbox UK", "Country": "GB"},
				"preferences": {"CurrencyPrefs": {"HomeCurrency": {"value": "GBP"}}},
				"accounts": [{"Id": "1", "Name": "Sales", "AccountType": "Income"}],
				"tax_rates": [
					rate,
					{"Id": "2", "Name": "5.0% R", "RateValue": 5},
					{"Id": "3", "Name": "0.0% Z", "RateValue": 0},
					{"Id": "4", "Name": "Exempt", "RateValue": 0},
				],
				"tax_codes": [
					{
						"Id": ident,
						"Name": name,
						"SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": r}} for r in rates]},
					}
					for ident, name, rates in codes
				],
				"items": [
					{"Id": "1", "Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
				],
				"customers": [{"Id": "1", "DisplayName": "Acme Ltd"}],
				**realm,
			}
		]
	}


@pytest.fixture(params=["recompute", "prorate"])
def uk(request):
	sandbox = Sandbox(seed=uk_seed(tax_override=request.param), port=0).start()
	yield Raw(sandbox, UK_REALM)
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


@pytest.fixture
def uk_default():
	sandbox = Sandbox(seed=uk_seed(), port=0).start()
	yield Raw(sandbox, UK_REALM)
	sandbox.stop()


@pytest.fixture
def uk_prorate(uk_default):
	uk_default.sb.realms[UK_REALM].tax_override = "prorate"
	return uk_default


def breakdown(made: dict) -> dict[str, tuple[float, float]]:
	"""TaxRate id -> (NetAmountTaxable, tax) from the TxnTaxDetail QuickBooks returns."""
	return {
		t["TaxLineDetail"]["TaxRateRef"]["value"]: (t["TaxLineDetail"]["NetAmountTaxable"], t["Amount"])
		for t in made["TxnTaxDetail"].get("TaxLine", [])
	}


def test_tax_is_computed_per_line_code_and_rate(uk):
	"""Intuit: a TaxCode on each line tells QuickBooks the rate; TxnTaxDetail returns rate and amount."""
	lines = (sales_line(100, tax=STANDARD), sales_line(40, tax=REDUCED), sales_line(25, tax=ZERO))
	made = uk.create("Invoice", invoice("1", *lines))
	assert made["TxnTaxDetail"]["TotalTax"] == 22 and made["TotalAmt"] == 187
	assert breakdown(made) == {"1": (100, 20), "2": (40, 2), "3": (25, 0)}


def test_a_zero_rated_sale_sent_with_the_standard_code_is_taxed_at_the_standard_rate(uk):
	"""The defect the engine had: no tax in ERPNext, the standard code on the line, TotalTax 0. QuickBooks
	taxes the line at its code's rate: by default the total is wrong; where the TotalTax is honoured, the
	sale is still reported at 20% (NetAmountTaxable under the 20% rate), so it shows either way."""
	sent = invoice("1", sales_line(100, tax=STANDARD), TxnTaxDetail={"TotalTax": 0})
	made = uk.create("Invoice", sent)
	assert breakdown(made)["1"][0] == 100 and "3" not in breakdown(made)
	if uk.sb.realms[UK_REALM].tax_override == "recompute":
		assert made["TotalAmt"] == 120 and made["TxnTaxDetail"]["TotalTax"] == 20
	else:
		assert made["TotalAmt"] == 100 and breakdown(made)["1"] == (100, 0)
	right = uk.create("Invoice", invoice("1", sales_line(100, tax=ZERO), TxnTaxDetail={"TotalTax": 0}))
	assert right["TotalAmt"] == 100 and breakdown(right) == {"3": (100, 0)}


def test_default_ignores_an_explicit_total_tax_outside_the_us(uk_default):
	"""No override is documented outside the US; by default QuickBooks' own computation stands."""
	body = invoice("1", sales_line(100, tax=STANDARD), TxnTaxDetail={"TotalTax": 19.99})
	made = uk_default.create("Invoice", body)
	assert made["TxnTaxDetail"]["TotalTax"] == 20 and made["TotalAmt"] == 120
	memo = uk_default.create(
		"CreditMemo", invoice("1", sales_line(50, tax=ZERO), TxnTaxDetail={"TotalTax": 5})
	)
	assert memo["TotalAmt"] == 50 and memo["TxnTaxDetail"]["TotalTax"] == 0


def test_prorate_honours_total_tax_over_the_line_rates_but_not_on_zero_rates(uk_prorate):
	uk = uk_prorate
	lines = (sales_line(100, tax=STANDARD), sales_line(100, tax=REDUCED), sales_line(10, tax=ZERO))
	made = uk.create("Invoice", invoice("1", *lines, TxnTaxDetail={"TotalTax": 25.01}))
	assert made["TxnTaxDetail"]["TotalTax"] == 25.01 and made["TotalAmt"] == 235.01
	# spread 20:5 over the rates the lines carry; the bases stay those of the line codes
	assert breakdown(made) == {"1": (100, 20.01), "2": (100, 5), "3": (10, 0)}
	error = fault_of(uk.post("invoice", invoice("1", sales_line(10, tax=ZERO), TxnTaxDetail={"TotalTax": 2})))
	assert error["code"] == "6000" and error["element"] == "TxnTaxDetail.TotalTax"


def test_inclusive_amounts_carry_their_tax(uk):
	made = uk.create(
		"Invoice",
		invoice(
			"1", sales_line(120, tax=STANDARD), sales_line(30, tax=ZERO), GlobalTaxCalculation="TaxInclusive"
		),
	)
	assert made["TotalAmt"] == 150 and made["TxnTaxDetail"]["TotalTax"] == 20
	assert breakdown(made)["1"][1] == 20 and breakdown(made)["3"][1] == 0


def test_seed_refuses_an_unknown_tax_override():
	with pytest.raises(SeedError, match="tax_override"):
		Sandbox(seed=uk_seed(tax_override="honour"), port=0)
