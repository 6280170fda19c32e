"""Intuit rules the sandbox enforces on sales forms and bodies: the US transaction tax code, the line limit
of taxable invoices, the discount preference, and unknown properties (2010)."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import AU_REALM, Raw, au_seed, fault_of
from tests.sandbox.test_invoices import invoice, sales_line

SAN_PABLO = {"value": "2"}  # the default seed's US sales tax code: California 7.25% + San Pablo City 1%


def test_us_txn_tax_code_must_exist_and_be_active(sb, raw):
	missing = fault_of(raw.post("invoice", invoice(TxnTaxDetail={"TxnTaxCodeRef": {"value": "99"}})))
	assert missing["code"] == "2500" and missing["element"] == "TxnTaxDetail.TxnTaxCodeRef"
	assert missing["Message"] == "Invalid Reference Id" and "99" in missing["Detail"]
	sb.realms[raw.realm].get("TaxCode", "2")["Active"] = False
	inactive = fault_of(raw.post("invoice", invoice(TxnTaxDetail={"TxnTaxCodeRef": SAN_PABLO})))
	assert inactive["code"] == "610" and inactive["element"] == "TxnTaxDetail.TxnTaxCodeRef"
	memo = fault_of(raw.post("creditmemo", invoice(TxnTaxDetail={"TxnTaxCodeRef": {"value": "99"}})))
	assert memo["code"] == "2500" and memo["element"] == "TxnTaxDetail.TxnTaxCodeRef"


def test_us_txn_tax_code_is_kept_and_taxes_the_tax_lines(raw):
	lines = (sales_line(100, tax="TAX"), sales_line(50, tax="NON"))
	made = raw.create("Invoice", invoice("1", *lines, TxnTaxDetail={"TxnTaxCodeRef": SAN_PABLO}))
	detail = made["TxnTaxDetail"]
	assert detail["TxnTaxCodeRef"] == {"value": "2", "name": "San Pablo"}
	assert detail["TotalTax"] == 8.25 and made["TotalAmt"] == 158.25 and made["Balance"] == 158.25
	assert [(t["Amount"], t["TaxLineDetail"]["TaxRateRef"]["value"]) for t in detail["TaxLine"]] == [
		(7.25, "1"),
		(1.0, "2"),
	]
	assert {t["TaxLineDetail"]["NetAmountTaxable"] for t in detail["TaxLine"]} == {100}
	stored = raw.get(f"invoice/{made['Id']}").json()["Invoice"]
	assert stored["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == "2"
	# a full update of what was read back resends TotalTax, which wins; the code stays
	updated = raw.post("invoice", {**stored, "Line": [sales_line(200, tax="TAX")]}).json()["Invoice"]
	assert updated["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == "2" and updated["TotalAmt"] == 208.25
	memo = raw.create("CreditMemo", invoice("1", *lines, TxnTaxDetail={"TxnTaxCodeRef": SAN_PABLO}))
	assert memo["TxnTaxDetail"]["TotalTax"] == 8.25 and memo["TotalAmt"] == 158.25


def test_us_total_tax_sent_wins_over_the_code(raw):
	body = invoice("1", sales_line(100, tax="TAX"), TxnTaxDetail={"TxnTaxCodeRef": SAN_PABLO, "TotalTax": 9})
	made = raw.create("Invoice", body)
	assert made["TxnTaxDetail"]["TotalTax"] == 9 and made["TotalAmt"] == 109
	assert made["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == "2"  # kept; the amount is prorated
	assert raw.create("Invoice", invoice("1", sales_line(100, tax="TAX")))["TotalAmt"] == 100  # no code


def test_void_keeps_the_tax_code(raw):
	made = raw.create(
		"Invoice", invoice("1", sales_line(10, tax="TAX"), TxnTaxDetail={"TxnTaxCodeRef": SAN_PABLO})
	)
	voided = raw.post("invoice", {"Id": made["Id"], "SyncToken": "0"}, operation="void").json()["Invoice"]
	assert voided["TxnTaxDetail"] == {"TxnTaxCodeRef": made["TxnTaxDetail"]["TxnTaxCodeRef"], "TotalTax": 0}


def many(count: int, tax: str) -> list[dict]:
	return [sales_line(1, tax=tax) for _ in range(count)]


def test_taxable_invoice_has_at_most_750_lines_in_the_us(raw):
	error = fault_of(raw.post("invoice", invoice("1", *many(750, "NON"), sales_line(1, tax="TAX"))))
	assert error["code"] == "6000" and error["element"] == "Line"
	assert "at most 750 lines" in error["Detail"] and "751" in error["Detail"]
	assert raw.create("Invoice", invoice("1", *many(749, "NON"), sales_line(1, tax="TAX")))["TotalAmt"] == 750
	assert raw.create("Invoice", invoice("1", *many(751, "NON")))["TotalAmt"] == 751  # not taxable


@pytest.fixture
def au(sb) -> Raw:
	sb.reset(au_seed())
	return Raw(sb, AU_REALM)


def test_taxable_invoice_has_at_most_750_lines_outside_the_us(au):
	assert fault_of(au.post("invoice", invoice("1", *many(751, "10"))))["code"] == "6000"  # GST 10%
	zero_rated = au.create("Invoice", invoice("1", *many(751, "11")))  # FRE: no rate, no tax
	assert zero_rated["TotalAmt"] == 751 and zero_rated["TxnTaxDetail"]["TotalTax"] == 0


DISCOUNT = {"DetailType": "DiscountLineDetail", "Amount": 5, "DiscountLineDetail": {"PercentBased": False}}


def test_discount_line_needs_the_allow_discount_preference(raw):
	prefs = raw.get("preferences").json()["Preferences"]
	assert prefs["SalesFormsPrefs"]["AllowDiscount"] is True
	assert raw.create("Invoice", invoice("1", sales_line(100), DISCOUNT))["TotalAmt"] == 95
	off = {"Id": prefs["Id"], "SyncToken": prefs["SyncToken"], "SalesFormsPrefs": {"AllowDiscount": False}}
	assert raw.post("preferences", off).status_code == 200
	for entity in ("invoice", "creditmemo"):
		error = fault_of(raw.post(entity, invoice("1", sales_line(100), DISCOUNT)))
		assert error["code"] == "6000" and error["element"] == "Line.DiscountLineDetail"
		assert "Preferences.SalesFormsPrefs.AllowDiscount" in error["Detail"]
	assert raw.create("Invoice", invoice("1", sales_line(100)))["TotalAmt"] == 100


@pytest.mark.parametrize("entity", ["Customer", "Invoice"])
def test_unknown_property_is_2010(raw, entity):
	body = {"DisplayName": "Unknown Props"} if entity == "Customer" else invoice()
	error = fault_of(raw.post(entity.lower(), {**body, "Nickname": "x"}))
	assert error["code"] == "2010" and error["element"] == "Nickname"
	assert error["Message"] == "Request has invalid or unsupported property"
	assert f'Unrecognized field "Nickname" (class com.intuit.schema.finance.v3.{entity})' in error["Detail"]
	assert fault_of(raw.post(entity.lower(), {**body, "nickname": None}))["element"] == "nickname"
	made = raw.create(entity, body)
	update = {"Id": made["Id"], "SyncToken": made["SyncToken"], "sparse": True, "PrivateNotes": "x"}
	assert fault_of(raw.post(entity.lower(), update))["element"] == "PrivateNotes"
	assert raw.post(entity.lower(), made).status_code == 200  # what QBO returned goes back unchanged


def test_unknown_property_in_a_batch_item(raw):
	items = [
		{"bId": "1", "operation": "create", "Customer": {"DisplayName": "Batch Ok"}},
		{"bId": "2", "operation": "create", "Customer": {"DisplayName": "Batch Bad", "Colour": "red"}},
	]
	replies = raw.post("batch", {"BatchItemRequest": items}).json()["BatchItemResponse"]
	by_id = {reply["bId"]: reply for reply in replies}
	assert by_id["1"]["Customer"]["DisplayName"] == "Batch Ok"
	assert by_id["2"]["Fault"]["Error"][0]["code"] == "2010"
