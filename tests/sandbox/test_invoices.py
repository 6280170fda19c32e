"""Invoice, CreditMemo and Payment rules: totals, tax, currency, numbering, references, void and delete."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import AU_REALM, Raw, au_seed, fault_of


def sales_line(amount, item="1", qty=None, price=None, tax=None) -> dict:
	detail = {"ItemRef": {"value": item}}
	if qty is not None:
		detail["Qty"] = qty
	if price is not None:
		detail["UnitPrice"] = price
	if tax:
		detail["TaxCodeRef"] = {"value": tax}
	return {"DetailType": "SalesItemLineDetail", "Amount": amount, "SalesItemLineDetail": detail}


def invoice(customer="1", *lines, **extra) -> dict:
	return {"CustomerRef": {"value": customer}, "Line": list(lines) or [sales_line(100)], **extra}


@pytest.fixture
def au(sb) -> Raw:
	sb.reset(au_seed())
	return Raw(sb, AU_REALM)


def test_totals_discount_and_numbering(raw):
	discount = {
		"DetailType": "DiscountLineDetail",
		"Amount": 0,
		"DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
	}
	made = raw.create("Invoice", invoice("1", sales_line(150, "2", 2, 75), sales_line(33.335), discount))
	assert made["TotalAmt"] == 165.01 and made["Balance"] == 165.01  # 183.34 - 18.33 (QBO rounds to cents)
	assert made["Line"][-1]["DetailType"] == "SubTotalLineDetail" and made["Line"][-1]["Amount"] == 183.34
	assert (
		made["Line"][0]["Id"] == "1" and made["Line"][0]["SalesItemLineDetail"]["ItemRef"]["name"] == "Hours"
	)
	assert made["DocNumber"] == "1001" and made["CustomerRef"]["name"] == "Amy's Bird Sanctuary"
	assert made["TxnDate"] and made["DueDate"] == made["TxnDate"]
	assert raw.create("Invoice", invoice())["DocNumber"] == "1002"


def test_us_tax_comes_from_txntaxdetail(raw):
	made = raw.create("Invoice", invoice("1", sales_line(100, tax="TAX"), TxnTaxDetail={"TotalTax": 8.25}))
	assert made["TotalAmt"] == 108.25 and made["TxnTaxDetail"]["TotalTax"] == 8.25
	assert raw.create("Invoice", invoice("1", sales_line(100, tax="TAX")))["TotalAmt"] == 100


def test_us_explicit_tax_is_prorated_across_the_codes_rates(raw):
	"""Intuit's AST blog: an explicit tax amount is honoured and prorated across the tax rates. San Pablo
	(code 2) is California 7.25% + San Pablo City 1%: 9.00 of tax on 100 splits 7.91 / 1.09."""
	detail = {"TotalTax": 9.00, "TxnTaxCodeRef": {"value": "2"}}
	made = raw.create("Invoice", invoice("1", sales_line(100, tax="TAX"), TxnTaxDetail=detail))
	lines = {t["TaxLineDetail"]["TaxRateRef"]["value"]: t["Amount"] for t in made["TxnTaxDetail"]["TaxLine"]}
	assert made["TotalAmt"] == 109 and lines == {"1": 7.91, "2": 1.09}


def test_amount_must_equal_qty_times_price(raw):
	error = fault_of(raw.post("invoice", invoice("1", sales_line(100, "2", 3, 75))))
	assert error["code"] == "6070" and "Amount is not equal to UnitPrice * Qty" in error["Detail"]
	# python-quickbooks sends Qty=0/UnitPrice=0 by default: that is "not given"
	assert raw.create("Invoice", invoice("1", sales_line(100, "2", 0, 0)))["TotalAmt"] == 100


def test_doc_number_rules(raw):
	error = fault_of(raw.post("invoice", invoice(DocNumber="X" * 22)))
	assert error["code"] == "2050" and error["element"] == "DocNumber"
	first = raw.create("Invoice", invoice(DocNumber="SINV-0001"))
	error = fault_of(raw.post("invoice", invoice(DocNumber="sinv-0001")))
	assert error["code"] == "6140" and f"TxnId={first['Id']}" in error["Detail"]
	allowed = raw.create("Invoice", invoice(DocNumber="SINV-0001"), include="allowduplicatedocnum")
	assert allowed["DocNumber"] == "SINV-0001"


def test_custom_txn_numbers_leave_doc_number_empty(sb, raw):
	sb.realms[raw.realm].preferences["SalesFormsPrefs"]["CustomTxnNumbers"] = True
	assert "DocNumber" not in raw.create("Invoice", invoice())


def test_references(raw):
	missing = fault_of(raw.post("invoice", invoice("999")))
	assert missing["code"] == "2500" and missing["element"] == "CustomerRef"
	inactive = fault_of(raw.post("invoice", invoice("3")))
	assert inactive["code"] == "610" and "made inactive" in inactive["Detail"]
	item = fault_of(raw.post("invoice", invoice("1", sales_line(5, item="4"))))
	assert item["code"] == "610" and item["element"] == "Line.SalesItemLineDetail.ItemRef"
	bad_item = fault_of(raw.post("invoice", invoice("1", sales_line(5, item="42"))))
	assert bad_item["code"] == "2500" and bad_item["element"] == "Line.SalesItemLineDetail.ItemRef"
	bad_tax = fault_of(raw.post("invoice", invoice("1", sales_line(5, tax="GST"))))
	assert bad_tax["code"] == "2500" and bad_tax["element"] == "Line.SalesItemLineDetail.TaxCodeRef"
	assert fault_of(raw.post("invoice", {"Line": [sales_line(1)]}))["code"] == "2020"
	assert fault_of(raw.post("invoice", {"CustomerRef": {"value": "1"}, "Line": []}))["code"] == "2020"


def test_line_without_item_uses_default_services_item(raw):
	line = {
		"DetailType": "SalesItemLineDetail",
		"Amount": 12,
		"SalesItemLineDetail": {"ItemRef": {"value": ""}},
	}
	made = raw.create("Invoice", invoice("1", line))
	assert made["Line"][0]["SalesItemLineDetail"]["ItemRef"] == {"value": "1", "name": "Services"}


def test_non_us_needs_tax_codes_and_computes_gst(au):
	error = fault_of(au.post("invoice", invoice("1", sales_line(100))))
	assert error["code"] == "6000" and "GST/VAT" in error["Detail"]
	inactive = fault_of(au.post("invoice", invoice("1", sales_line(100, tax="12"))))
	assert inactive["code"] == "610"
	made = au.create("Invoice", invoice("1", sales_line(100, tax="10"), sales_line(50.5, tax="11")))
	assert made["TxnTaxDetail"]["TotalTax"] == 10 and made["TotalAmt"] == 160.5
	assert made["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["NetAmountTaxable"] == 100
	inclusive = au.create(
		"Invoice", invoice("1", sales_line(110, tax="10"), GlobalTaxCalculation="TaxInclusive")
	)
	assert inclusive["TxnTaxDetail"]["TotalTax"] == 10 and inclusive["TotalAmt"] == 110


def test_multicurrency_invoice_must_match_customer(sb):
	sb.reset(au_seed(multicurrency=True))
	au = Raw(sb, AU_REALM)
	line = sales_line(100, tax="11")
	error = fault_of(au.post("invoice", invoice("2", line, CurrencyRef={"value": "AUD"})))
	assert error["code"] == "6000" and error["element"] == "CurrencyRef"
	seeded = au.create("Invoice", invoice("2", line))
	assert (
		seeded["CurrencyRef"]["value"] == "USD"
		and seeded["ExchangeRate"] == 1.5
		and seeded["HomeTotalAmt"] == 150
	)
	sent = au.create("Invoice", invoice("2", line, CurrencyRef={"value": "USD"}, ExchangeRate=1.6))
	assert sent["HomeTotalAmt"] == 160
	home = au.create("Invoice", invoice("1", line))
	assert home["CurrencyRef"]["value"] == "AUD" and "ExchangeRate" not in home


def test_foreign_invoice_without_multicurrency(au):
	error = fault_of(au.post("invoice", invoice("1", sales_line(1, tax="11"), CurrencyRef={"value": "USD"})))
	assert error["code"] == "6000" and error["element"] == "CurrencyRef"


def test_void_and_delete(raw):
	made = raw.create("Invoice", invoice(PrivateNote="from ERPNext"))
	stale = fault_of(raw.post("invoice", {"Id": made["Id"], "SyncToken": "5"}, operation="void"))
	assert stale["code"] == "5010"
	voided = raw.post("invoice", {"Id": made["Id"], "SyncToken": "0"}, operation="void").json()["Invoice"]
	assert voided["TotalAmt"] == 0 and voided["Balance"] == 0 and voided["SyncToken"] == "1"
	assert voided["PrivateNote"].startswith("Voided") and voided["DocNumber"] == made["DocNumber"]
	assert raw.get(f"invoice/{made['Id']}").json()["Invoice"]["TotalAmt"] == 0
	other = raw.create("Invoice", invoice())
	deleted = raw.post("invoice", {"Id": other["Id"], "SyncToken": "0"}, operation="delete").json()["Invoice"]
	assert deleted == {"status": "Deleted", "domain": "QBO", "Id": other["Id"]}
	assert fault_of(raw.get(f"invoice/{other['Id']}"))["code"] == "610"


def test_payment_applies_to_invoice_and_balances(raw):
	made = raw.create("Invoice", invoice("2", sales_line(200)))
	payment_line = {"Amount": 150, "LinkedTxn": [{"TxnId": made["Id"], "TxnType": "Invoice"}]}
	too_much = {"CustomerRef": {"value": "2"}, "TotalAmt": 500, "Line": [{**payment_line, "Amount": 250}]}
	assert fault_of(raw.post("payment", too_much))["code"] == "6000"
	payment = raw.create("Payment", {"CustomerRef": {"value": "2"}, "TotalAmt": 160, "Line": [payment_line]})
	assert payment["UnappliedAmt"] == 10
	after = raw.get(f"invoice/{made['Id']}").json()["Invoice"]
	assert (
		after["Balance"] == 50
		and after["SyncToken"] == "1"
		and after["LinkedTxn"][0]["TxnId"] == payment["Id"]
	)
	assert raw.get("customer/2").json()["Customer"]["Balance"] == 40  # 50 open - 10 unapplied
	assert (
		fault_of(raw.post("invoice", {"Id": made["Id"], "SyncToken": "1"}, operation="void"))["code"]
		== "6000"
	)


def test_credit_memo(raw):
	memo = raw.create("CreditMemo", invoice("1", sales_line(40)))
	assert memo["TotalAmt"] == 40 and memo["RemainingCredit"] == 40
	assert raw.get("customer/1").json()["Customer"]["Balance"] == -40


def test_full_invoice_update_replaces_lines(raw):
	made = raw.create("Invoice", invoice("1", sales_line(10), sales_line(20)))
	body = {**made, "Line": [sales_line(5)]}
	updated = raw.post("invoice", body).json()["Invoice"]
	assert updated["TotalAmt"] == 5 and len(updated["Line"]) == 2 and updated["SyncToken"] == "1"


def test_bad_dates_and_amounts(raw):
	assert fault_of(raw.post("invoice", invoice(TxnDate="31/12/2026")))["code"] == "2010"
	assert fault_of(raw.post("invoice", invoice("1", sales_line("abc"))))["code"] == "2010"


def test_classes_and_locations_are_kept_on_lines_and_header_and_read_back(raw):
	"""Intuit's Invoice and CreditMemo references: SalesItemLineDetail.ClassRef, the header's ClassRef and
	DepartmentRef. The sandbox keeps what is sent (Intuit does not say that a ref is refused when its tracking
	preference is off, so the sandbox does not refuse it either) and names each ref on the way back."""
	home = raw.create("Class", {"Name": "Residential"})
	shop = raw.create("Class", {"Name": "Commercial"})
	north = raw.create("Department", {"Name": "North"})
	first, second = sales_line(60), sales_line(40)
	first["SalesItemLineDetail"]["ClassRef"] = {"value": home["Id"]}
	second["SalesItemLineDetail"]["ClassRef"] = {"value": shop["Id"]}
	for entity in ("Invoice", "CreditMemo"):
		made = raw.create(entity, invoice("1", first, second, DepartmentRef={"value": north["Id"]}))
		response = raw.get(f"{entity.lower()}/{made['Id']}")
		assert response.status_code == 200, response.text
		stored = response.json()[entity]
		classes = [ln["SalesItemLineDetail"].get("ClassRef") for ln in stored["Line"][:2]]
		assert classes == [
			{"value": home["Id"], "name": "Residential"},
			{"value": shop["Id"], "name": "Commercial"},
		]
		assert stored["DepartmentRef"] == {"value": north["Id"], "name": "North"}
	made = raw.create("Invoice", invoice("1", sales_line(10), ClassRef={"value": shop["Id"]}))
	assert made["ClassRef"] == {"value": shop["Id"], "name": "Commercial"}


def test_an_inactive_class_on_a_line_is_refused(raw):
	gone = raw.create("Class", {"Name": "Closed branch"})
	gone = raw.create("Class", {**gone, "Active": False})
	line = sales_line(10)
	line["SalesItemLineDetail"]["ClassRef"] = {"value": gone["Id"]}
	response = raw.post("invoice", invoice("1", line))
	assert response.status_code == 400 and "ClassRef" in str(fault_of(response))
