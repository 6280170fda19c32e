"""Issue 14, rough edge 10: "View in QuickBooks" opens a read-only page on the offline sandbox."""

from __future__ import annotations

import requests

from qbo_connector.engine.client import ClientConfig, QBOClient
from qbo_connector.sandbox import Sandbox

from .conftest import AU_REALM, US_REALM, Raw, au_seed
from .test_invoices import invoice, sales_line


def view_url(sb: Sandbox, entity: str, ident: str) -> str:
	"""What the desk's "View in QuickBooks" opens for a Custom environment pointing at the sandbox."""
	config = ClientConfig("id", "secret", "http://localhost/cb", environment="custom", base_url=sb.url)
	return QBOClient.entity_url(config, entity, ident)


def open_page(url: str) -> requests.Response:
	response = requests.get(url, timeout=5)
	assert response.headers["Content-Type"].startswith("text/html")
	return response


def test_invoice_page_shows_key_fields_and_lines(sb, raw):
	discount = {"DetailType": "DiscountLineDetail", "Amount": 10, "Description": "Discount: WIDGET 10% 10.00"}
	discount["DiscountLineDetail"] = {"PercentBased": False}
	line = sales_line(100, "2", 2, 50)
	line["Description"] = "Gardening <b>hours</b>"
	made = raw.create("Invoice", invoice("1", line, discount, DocNumber="SINV-0042", TxnDate="2026-01-15"))
	page = open_page(view_url(sb, "Invoice", made["Id"]))
	assert page.status_code == 200
	text = page.text
	assert "Invoice SINV-0042" in text and "2026-01-15" in text and "Hours" in text  # the item's name
	assert "Gardening &lt;b&gt;hours&lt;/b&gt;" in text  # escaped, never markup
	assert "Discount: WIDGET 10% 10.00" in text and "90.00" in text  # total after the discount
	customer = raw.get("customer/1").json()["Customer"]["DisplayName"]
	assert 'href="/app/customerdetail?nameId=1"' in text and customer.replace("'", "&#x27;") in text


def test_credit_memo_payment_and_customer_pages(sb, raw):
	made = raw.create("Invoice", invoice("2", sales_line(200)))
	line = {"Amount": 150, "LinkedTxn": [{"TxnId": made["Id"], "TxnType": "Invoice"}]}
	payment = raw.create("Payment", {"CustomerRef": {"value": "2"}, "TotalAmt": 150, "Line": [line]})
	memo = raw.create("CreditMemo", invoice("2", sales_line(25)))
	page = open_page(view_url(sb, "Payment", payment["Id"])).text
	assert f"Payment {payment['Id']}" in page and "150.00" in page
	assert f'href="/app/invoice?txnId={made["Id"]}"' in page
	page = open_page(view_url(sb, "CreditMemo", memo["Id"])).text
	assert "Credit memo" in page and "25.00" in page
	page = open_page(view_url(sb, "Customer", "2")).text
	name = raw.get("customer/2").json()["Customer"]["DisplayName"]
	assert name.replace("'", "&#x27;") in page and "Transactions" in page
	assert f'href="/app/payment?txnId={payment["Id"]}"' in page and "50.00" in page  # the open balance


def test_voided_invoice_reads_voided_and_unknown_ids_are_not_found(sb, raw):
	made = raw.create("Invoice", invoice())
	raw.post("invoice", {"Id": made["Id"], "SyncToken": "0"}, operation="void")
	assert "Voided" in open_page(view_url(sb, "Invoice", made["Id"])).text
	assert open_page(view_url(sb, "Invoice", "999")).status_code == 404
	assert open_page(f"{sb.url}/app/estimate?txnId=1").status_code == 404
	assert not sb.internal_errors


def test_the_realm_parameter_picks_the_company_when_several_have_the_id():
	seed = au_seed()
	seed["realms"].append({"realm_id": US_REALM, "customers": [{"Id": "1", "DisplayName": "Only in US"}]})
	with Sandbox(seed=seed, port=0) as sb:
		chooser = open_page(view_url(sb, "Customer", "1"))
		assert chooser.status_code == 200 and f"realm={AU_REALM}" in chooser.text
		assert f"realm={US_REALM}" in chooser.text
		assert "Kangaroo Pty" in open_page(f"{sb.url}/app/customerdetail?nameId=1&realm={AU_REALM}").text
		assert "Only in US" in open_page(f"{sb.url}/app/customerdetail?nameId=1&realm={US_REALM}").text
		assert open_page(f"{sb.url}/app/customerdetail?nameId=1&realm=123").status_code == 404
		made = Raw(sb, AU_REALM).create("Invoice", invoice("1", sales_line(100, tax="10")))
		only = open_page(view_url(sb, "Invoice", made["Id"]))  # one company holds it: shown at once
		assert only.status_code == 200 and "Kangaroo Pty" in only.text
		assert not sb.internal_errors
