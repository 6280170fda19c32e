"""Mapping and pre-flight, offline: each payload's QBO total equals ERPNext's to the cent."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from qbo_connector.engine.invoices import Hold, QBOFacts, doc_number_for, map_invoice, preflight, prepare
from qbo_connector.engine.records import HELD, WAITING

from .factories import consistent_lines, invoice, line, qbo_total, settings, tax


def check(inv, cfg=None, us=False, expected=None):
	payload = map_invoice(inv, cfg or settings())
	want = (
		expected
		if expected is not None
		else (inv.grand_total if inv.disable_rounded_total else inv.rounded_total)
	)
	assert qbo_total(payload, us) == abs(D(want))
	assert consistent_lines(payload)
	return payload


def test_doc_number_short_and_long():
	assert doc_number_for("ACC-SINV-2026-00001") == "ACC-SINV-2026-00001"
	long = "MY-COMPANY-SINV-2026-000123"
	first = doc_number_for(long)
	assert len(first) == 21 and first == doc_number_for(long) and first.endswith("SINV-2026-000123"[-15:])
	assert doc_number_for(long + "x") != first
	payload = map_invoice(invoice(name=long), settings())
	assert payload["DocNumber"] == first and long in payload["PrivateNote"]


def test_header_fields():
	inv = invoice(
		due_date="2026-02-14",
		remarks="Thanks!",
		billing_address="1 Main St<br>Springfield<br>",
		payment_terms="Net 30",
	)
	payload = map_invoice(inv, settings(terms_map={"Net 30": "3"}))
	assert payload["TxnDate"] == "2026-01-15" and payload["DueDate"] == "2026-02-14"
	assert payload["SalesTermRef"] == {"value": "3"} and "CustomerMemo" not in payload
	assert payload["PrivateNote"] == "ERPNext Sales Invoice SINV-0001; Remarks: Thanks!"
	assert payload["BillAddr"] == {"Line1": "1 Main St", "Line2": "Springfield"}
	assert payload["CustomerRef"] == {"value": "1"}


def test_line_description_and_item_mapping():
	inv = invoice(lines=[line("GADGET", "2", "15.50", item_name="Gadget"), line("WIDGET")])
	payload = check(inv, settings(item_map={"GADGET": "7"}))
	first, second = payload["Line"][:2]
	assert first["SalesItemLineDetail"]["ItemRef"] == {"value": "7"} and first["Description"].startswith(
		"GADGET: Gadget"
	)
	assert first["SalesItemLineDetail"]["Qty"] == 2 and first["SalesItemLineDetail"]["UnitPrice"] == 15.5
	assert second["SalesItemLineDetail"]["ItemRef"] == {"value": "1"}


def test_item_discount_keeps_net_rate():
	ln = line("WIDGET", "3", "90", price_list_rate=D("100"), discount_percentage=D("10"))
	payload = check(invoice(lines=[ln], taxes=[tax("27.00")]))
	assert payload["Line"][0]["SalesItemLineDetail"]["UnitPrice"] == 90


def test_rate_that_does_not_multiply_gets_a_derived_price():
	payload = check(invoice(lines=[line("WIDGET", "3", "3.33", amount="10.00")]))
	detail = payload["Line"][0]["SalesItemLineDetail"]
	assert detail["Qty"] == 3 and detail["UnitPrice"] == 3.33333


def test_odd_quantity_falls_back_to_qty_one_and_keeps_it_in_the_description():
	payload = check(invoice(lines=[line("WIDGET", "1.1234567", "10", amount="11.23")]))
	detail = payload["Line"][0]["SalesItemLineDetail"]
	assert detail["Qty"] == 1 and detail["UnitPrice"] == 11.23
	assert "Qty 1.1234567 x 10" in payload["Line"][0]["Description"]


@pytest.mark.parametrize("mode", ["net", "line"])
def test_invoice_discount_net_total(mode):
	inv = invoice(
		lines=[line("A", "1", "60"), line("B", "1", "40")],
		taxes=[tax("9.00")],
		discount_amount=D("10"),
		apply_discount_on="Net Total",
	)
	assert inv.grand_total == D("99.00")
	payload = check(inv, settings(discount_mode=mode))
	kinds = [ln["DetailType"] for ln in payload["Line"]]
	assert ("DiscountLineDetail" in kinds) == (mode == "line")


def test_invoice_discount_on_grand_total_with_tax():
	# ERPNext: 100 + 10% tax, 11 off the grand total -> net 90, tax 9, grand 99
	inv = invoice(
		lines=[line("A", "1", "100")], taxes=[tax("9.00")], discount_amount=D("11"), grand_total=D("99")
	)
	check(inv)


def test_inclusive_tax():
	inv = invoice(
		lines=[line("A", "1", "110"), line("B", "2", "55")],
		taxes=[tax("20.00", included=True)],
		grand_total=D("220"),
	)
	payload = check(inv)
	assert payload["GlobalTaxCalculation"] == "TaxInclusive" and payload["TxnTaxDetail"]["TotalTax"] == 20.0


def test_mixed_inclusive_and_exclusive_taxes_send_net_lines():
	taxes = [tax("10.00", included=True), tax("5.00", account="Freight - C")]
	inv = invoice(lines=[line("A", "1", "110")], taxes=taxes, grand_total=D("115"))
	payload = check(inv)
	assert payload["GlobalTaxCalculation"] == "TaxExcluded" and payload["Line"][0]["Amount"] == 100.0


def test_exclusive_tax_and_zero_rated_line():
	lines = [line("A", "1", "100"), line("FOOD", "1", "50", item_tax_template="Zero Rated")]
	payload = check(invoice(lines=lines, taxes=[tax("10.00")], taxes_and_charges="VAT 10%"))
	codes = [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in payload["Line"]]
	assert codes == ["10", "0"] and payload["GlobalTaxCalculation"] == "TaxExcluded"


def test_us_tax_and_non():
	cfg = settings(us_company=True, tax_map={"CA Sales Tax": "5", "Exempt": "NON"}, default_tax_code="")
	lines = [line("A", "1", "100"), line("B", "1", "20", item_tax_template="Exempt")]
	inv = invoice(lines=lines, taxes=[tax("8.25", "8.25")], taxes_and_charges="CA Sales Tax")
	payload = check(inv, cfg, us=True)
	assert [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in payload["Line"]] == ["TAX", "NON"]
	assert payload["TxnTaxDetail"] == {"TotalTax": 8.25, "TxnTaxCodeRef": {"value": "5"}}
	assert "GlobalTaxCalculation" not in payload


def test_us_automated_sales_tax_sends_override_only():
	cfg = settings(us_company=True, automated_sales_tax=True, tax_map={}, default_tax_code="")
	payload = check(invoice(taxes=[tax("7.00")]), cfg, us=True)
	assert payload["TxnTaxDetail"] == {"TotalTax": 7.0}


def test_us_tax_without_rate_code_is_held():
	cfg = settings(us_company=True, tax_map={}, default_tax_code="")
	assert any("tax rate code" in r for r in preflight(invoice(taxes=[tax("7.00")]), cfg))


def test_foreign_currency():
	cfg = settings(multicurrency=True)
	payload = check(invoice(currency="EUR", conversion_rate=D("1.085")), cfg)
	assert payload["CurrencyRef"] == {"value": "EUR"} and payload["ExchangeRate"] == 1.085


def test_foreign_currency_without_multicurrency_is_held():
	assert any("multicurrency is off" in r for r in preflight(invoice(currency="EUR"), settings()))


def test_customer_currency_policy():
	facts = QBOFacts(customer_currencies={"1": "USD"}, currency_customers={("Acme", "EUR"): "9"})
	inv = invoice(currency="EUR", conversion_rate=D("1.1"))
	with pytest.raises(Hold) as held:
		prepare(inv, settings(multicurrency=True), facts)
	assert held.value.status == HELD and "is in USD" in held.value.reasons[0]
	prepared = prepare(inv, settings(multicurrency=True, currency_policy="per_currency_customer"), facts)
	assert prepared.customer_id == "9"
	with pytest.raises(Hold) as waiting:
		prepare(
			inv,
			settings(multicurrency=True, currency_policy="per_currency_customer"),
			QBOFacts(customer_currencies={"1": "USD"}),
		)
	assert waiting.value.status == WAITING


@pytest.mark.parametrize("rounding_item", ["", "99"])
def test_rounding_adjustment(rounding_item):
	inv = invoice(
		lines=[line("A", "1", "99.70")],
		disable_rounded_total=False,
		rounded_total=D("100"),
		rounding_adjustment=D("0.30"),
	)
	payload = check(inv, settings(rounding_item_id=rounding_item), expected=D("100"))
	assert any(ln.get("Description") == "Rounding adjustment" for ln in payload["Line"]) == bool(
		rounding_item
	)


def test_rounding_down_with_line_discount_mode():
	inv = invoice(
		lines=[line("A", "1", "100.40")],
		disable_rounded_total=False,
		rounded_total=D("100"),
		rounding_adjustment=D("-0.40"),
	)
	check(inv, settings(discount_mode="line"), expected=D("100"))


def test_return_becomes_credit_memo_with_positive_amounts():
	ln = line("A", "-2", "50", amount="-100")
	inv = invoice(
		name="SINV-RET-1", lines=[ln], taxes=[tax("-10.00")], is_return=True, return_against="SINV-0001"
	)
	prepared = prepare(inv, settings())
	assert prepared.entity == "CreditMemo" and prepared.total == D("110.00")
	assert qbo_total(prepared.payload) == D("110.00") and "SINV-0001" in prepared.payload["PrivateNote"]
	assert (
		prepared.payload["Line"][0]["SalesItemLineDetail"]["Qty"] == 2 and "DueDate" not in prepared.payload
	)


def test_hundred_lines():
	lines = [line(f"ITEM-{i}", str(i % 7 + 1), f"{i * 1.37 + 0.01:.2f}") for i in range(100)]
	total = sum((ln.amount for ln in lines), D(0))
	inv = invoice(
		lines=lines,
		taxes=[tax(f"{total * D('0.1'):.2f}")],
		discount_amount=D("12.34"),
		apply_discount_on="Net Total",
	)
	payload = check(inv)
	assert len([ln for ln in payload["Line"] if ln["DetailType"] == "SalesItemLineDetail"]) == 100


@pytest.mark.parametrize(
	"inv, needle",
	[
		(invoice(lines=[]), "no lines"),
		(invoice(lines=[line("A", "1", "-50")]), "not a return cannot have a negative total"),
		(invoice(lines=[line("A", "1", "10")], grand_total=D("11")), "do not add up"),
		(invoice(lines=[line("A", "1", "10.005", amount="10.005")]), "fractions of a cent"),
		(invoice(posting_date="2026-13-40"), "not a valid date"),
		(invoice(lines=[line("A", item_tax_template="Mystery")], taxes=[tax("10")]), "Mystery"),
	],
)
def test_bad_input_is_held_with_reason(inv, needle):
	reasons = preflight(inv, settings())
	assert any(needle in r for r in reasons), reasons


def test_unmapped_item_and_tax_without_defaults():
	cfg = settings(default_item_id="", default_tax_code="", tax_map={})
	reasons = preflight(invoice(taxes=[tax("10")], taxes_and_charges="GST 5%"), cfg)
	assert any("has no QuickBooks item" in r for r in reasons) and any("GST 5%" in r for r in reasons)


def test_inactive_item_and_taken_doc_number():
	facts = QBOFacts(item_ids={"2"}, tax_code_ids={"10", "0"}, taken_doc_numbers={"SINV-0001"})
	reasons = preflight(invoice(), settings(), facts)
	assert any("inactive or missing" in r for r in reasons) and any("already used" in r for r in reasons)


def test_unlinked_customer_waits():
	with pytest.raises(Hold) as held:
		prepare(invoice(customer_qbo_id=""), settings())
	assert held.value.status == WAITING and "not linked" in held.value.reasons[0]
