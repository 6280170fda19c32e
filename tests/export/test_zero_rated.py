"""Non-US lines without tax go out with a zero-rated code, never the standard one (issue 8, defect 4), and
ERPNext's internal Remarks never reach the customer-facing memo. The verdicts come from the sandbox's tax
rule, which follows Intuit ("Manage sales tax for non-US locales": QuickBooks taxes each line at its
TaxCode's rates and returns the per-rate breakdown), under both settings of the undocumented override."""

from __future__ import annotations

import copy
from decimal import Decimal as D

import pytest

from qbo_connector.engine.discovery import ExportChoices, discover_export_settings, find_zero_codes
from qbo_connector.engine.records import HELD, SYNCED
from qbo_connector.sandbox import Sandbox

from .conftest import INTL_REALM, Ledger, exporter_for, intl_seed, invoices_in, make_client
from .factories import invoice, line, tax

STANDARD_RATE = "1"  # the seed's 20% TaxRate


def uk_seed(zero_rated: bool = True) -> dict:
	"""The export tests' UK company, with the 0% codes QuickBooks UK has: zero-rated, exempt, no VAT, EC."""
	seed = copy.deepcopy(intl_seed())
	realm = seed["realms"][0]
	realm["tax_rates"] += [
		{"Id": "3", "Name": "Exempt", "RateValue": 0},
		{"Id": "4", "Name": "No VAT", "RateValue": 0},
		{"Id": "5", "Name": "0.0% ECG", "RateValue": 0},
	]
	realm["tax_codes"] += [
		{
			"Id": "30",
			"Name": "Exempt",
			"SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "3"}}]},
		},
		{
			"Id": "31",
			"Name": "No VAT",
			"SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "4"}}]},
		},
		{
			"Id": "32",
			"Name": "0.0% ECG",
			"SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": "5"}}]},
		},
	]
	if not zero_rated:
		realm["tax_codes"] = [c for c in realm["tax_codes"] if c["Name"] != "0.0% Z"]
	return seed


@pytest.fixture(params=["recompute", "prorate"])
def uk(request):
	sandbox = Sandbox(seed=uk_seed(), port=0).start()
	sandbox.realms[INTL_REALM].tax_override = request.param
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


def discovered(sb: Sandbox):
	"""Settings as production builds them: from the user's choices and what QuickBooks holds."""
	client = make_client(sb, INTL_REALM)
	choices = ExportChoices(
		default_item="Services",
		rounding_item="Rounding",
		default_tax_code="20.0% S",
		tax_map={"VAT - C": "20.0% S"},
	)
	settings, _ = discover_export_settings(client, choices)
	return client, settings


def export_one(sb: Sandbox, inv):
	client, settings = discovered(sb)
	ledger = Ledger()
	exporter_for(client, settings, ledger).export([inv])
	return ledger.outcomes[inv.name]


def by_rate(row: dict) -> dict[str, float]:
	"""NetAmountTaxable per TaxRate, as QuickBooks reports the sale (what the VAT return is built from)."""
	return {
		t["TaxLineDetail"]["TaxRateRef"]["value"]: t["TaxLineDetail"]["NetAmountTaxable"]
		for t in row["TxnTaxDetail"].get("TaxLine", [])
	}


def test_discovery_finds_the_zero_rated_exempt_and_no_vat_codes(uk):
	_, settings = discovered(uk)
	assert settings.zero_tax_code == "0" and settings.exempt_tax_code == "30"
	assert settings.rounding_tax_code == "31" and settings.zero_tax_codes == {"0", "30", "31", "32"}
	assert settings.default_tax_code == "20"


def test_zero_codes_are_chosen_by_name_and_mapped_codes_win():
	rates = {"s": D(20), "z": D(0), "e": D(0), "n": D(0), "ec": D(0), "gf": D(0), "it": D(0), "r": D(0)}

	def code(ident, name, rate):
		return {
			"Id": ident,
			"Name": name,
			"SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": rate}}]},
		}

	uk_codes = [
		code("1", "20.0% S", "s"),
		code("2", "0.0% ECG", "ec"),
		code("3", "20.0% RC", "r"),
		code("4", "Exempt", "e"),
		code("5", "No VAT", "n"),
		code("6", "0.0% Z", "z"),
		{"Id": "7", "Name": "0.0% Z purchases", "SalesTaxRateList": {"TaxRateDetail": []}},
	]
	found = find_zero_codes(uk_codes, rates, [])
	assert (found.zero_rated, found.exempt, found.no_tax) == ("6", "4", "5")
	assert found.all == {"2", "3", "4", "5", "6"}
	au = [code("10", "GST", "s"), code("11", "GST Free", "gf"), code("12", "Input Taxed", "it")]
	found = find_zero_codes(au, rates, [])
	assert (found.zero_rated, found.exempt) == ("11", "12")
	# a zero-rated code the user mapped in Tax Mappings is preferred to the others
	two = [code("6", "0.0% Z", "z"), code("8", "Zero-rated exports", "z")]
	assert find_zero_codes(two, rates, ["8"]).zero_rated == "8"


def test_an_invoice_without_tax_goes_out_zero_rated(uk):
	inv = invoice(lines=[line("SVC", "2", "50")])
	outcome = export_one(uk, inv)
	assert outcome.status == SYNCED and "flag" not in outcome.extra, outcome.message
	[row] = invoices_in(uk, INTL_REALM)
	assert D(str(row["TotalAmt"])) == D("100") and row["TxnTaxDetail"]["TotalTax"] == 0
	assert STANDARD_RATE not in by_rate(row), "a sale without VAT is reported at 20%"
	assert row["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "0"


def test_the_rounding_line_carries_no_vat(uk):
	inv = invoice(
		lines=[line("SVC", "1", "83.08")],
		taxes=[tax("16.62", "20")],
		disable_rounded_total=False,
		rounded_total=D("100"),
		rounding_adjustment=D("0.30"),
	)
	outcome = export_one(uk, inv)
	assert outcome.status == SYNCED and "flag" not in outcome.extra, outcome.message
	[row] = invoices_in(uk, INTL_REALM)
	assert D(str(row["TotalAmt"])) == D("100")
	assert by_rate(row)[STANDARD_RATE] == 83.08, "the rounding adjustment is not a standard-rated sale"
	rounding = next(ln for ln in row["Line"] if ln.get("Description") == "Rounding adjustment")
	assert rounding["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "31"


def test_held_with_a_reason_when_quickbooks_has_no_zero_rated_code():
	sb = Sandbox(seed=uk_seed(zero_rated=False), port=0).start()
	try:
		outcome = export_one(sb, invoice(lines=[line("SVC", "1", "100")]))
		assert outcome.status == HELD and "no zero-rated QuickBooks tax code" in outcome.message
		assert "id 30" in outcome.message  # the exempt code is named, to map if these sales are exempt
		assert invoices_in(sb, INTL_REALM) == []
	finally:
		sb.stop()


def test_remarks_stay_internal(uk):
	inv = invoice(lines=[line("SVC", "1", "100")], taxes=[tax("20", "20")], remarks="Slow payer: chase")
	assert export_one(uk, inv).status == SYNCED
	[row] = invoices_in(uk, INTL_REALM)
	assert "CustomerMemo" not in row, "ERPNext's internal remarks printed on the customer's invoice"
	assert "Remarks: Slow payer: chase" in row["PrivateNote"]
